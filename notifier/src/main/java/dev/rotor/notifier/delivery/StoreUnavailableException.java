package dev.rotor.notifier.delivery;

/** The database did not answer or refused a statement: one more reason to retry. */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StoreUnavailableException(RuntimeException cause) {
    super(describe(cause), cause);
  }

  /** The exception's class and its root cause's class: no SQL, no values. */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + " (" + root.getClass().getSimpleName() + ")";
  }
}
