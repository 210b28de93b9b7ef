package dev.rotor.examples.load;

/** What reading one payload back gave. */
public enum ReadOutcome {
  /** HTTP 200 with the plaintext that was written. */
  OK,
  /** The service answered that it could not decrypt the payload ({@code decrypt_failed}). */
  DECRYPT_FAILED,
  /** HTTP 200, but not the plaintext that was written. */
  WRONG_PLAINTEXT,
  /** Any other HTTP status (an injected fault, a 404, an overloaded instance). */
  HTTP_ERROR,
  /** No HTTP answer: connection refused or reset, or a timeout. */
  TRANSPORT_ERROR
}
