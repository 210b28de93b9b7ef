package dev.rotor.common.keyring;

import dev.rotor.common.crypto.Drbg;
import dev.rotor.common.crypto.Fingerprints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyring a workload encrypts and decrypts with: one primary key that encrypts and decrypt-only
 * keys that still open what older keys wrote, read from the Secret layout of {@code
 * docs/keyring.md} (mounted files or environment variables).
 *
 * <p>{@link #encrypt} uses the primary key, AES-256-GCM with a random 96-bit nonce, and writes the
 * {@link KeyringCiphertextFormat} (version, key id, nonce, ciphertext and tag). {@link #decrypt}
 * picks the key the header names. Every failure is a {@link KeyringException} whose message names
 * the key id and what went wrong, never the key or the plaintext.
 *
 * <p>Loading checks every key against its id (the first 8 hex characters of the SHA-256 of its
 * base64 text), so a truncated or mislabeled key is refused at start-up instead of failing later.
 * The keyring is read once: Rotor restarts the workload after each change of the Secret.
 *
 * <p>Thread-safe. {@link #close()} zeroes the key bytes; use it in try-with-resources or close it
 * when the application stops. The JCA keeps short-lived internal copies of a key while it encrypts
 * (see {@code docs/crypto.md}).
 */
public final class Keyring implements AutoCloseable {
  /** Length of a key in bytes (AES-256). */
  public static final int KEY_LENGTH = 32;

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int TAG_BITS = KeyringCiphertextFormat.TAG_LENGTH * Byte.SIZE;
  private static final int BODY_OFFSET =
      KeyringCiphertextFormat.HEADER_LENGTH + KeyringCiphertextFormat.NONCE_LENGTH;

  private final String primaryKeyId;
  private final SortedMap<String, byte[]> keys;
  private final SecureRandom random;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private Keyring(String primaryKeyId, SortedMap<String, byte[]> keys, SecureRandom random) {
    this.primaryKeyId = primaryKeyId;
    this.keys = keys;
    this.random = random;
  }

  /**
   * Reads the keyring from a mounted Secret: {@code keyring.primary} (the primary key id) and one
   * {@code keyring.key.<keyid>} file of 32 raw bytes per key. Other files are ignored (Kubernetes'
   * {@code ..data} links, unrelated entries). Nonces come from Rotor's DRBG ({@link
   * Drbg#shared()}).
   *
   * @throws KeyringException {@link KeyringException.Reason#INVALID_LAYOUT} when a file is missing
   *     or unreadable, a key is not 32 bytes or not the key its name says, or the primary is not
   *     among the keys; {@link KeyringException.Reason#INVALID_KEY_ID} when {@code keyring.primary}
   *     is not a key id
   */
  public static Keyring fromDirectory(Path directory) {
    return fromDirectory(directory, Drbg.shared());
  }

  /** {@link #fromDirectory(Path)} with the nonces from {@code random}. */
  public static Keyring fromDirectory(Path directory, SecureRandom random) {
    requireRandom(random);
    if (directory == null) {
      throw layout("keyring directory: is required");
    }
    if (!Files.isDirectory(directory)) {
      throw layout(
          "keyring directory "
              + directory
              + ": not a directory; mount the Secret there (see docs/keyring.md)");
    }
    String primary = readPrimary(directory.resolve(KeyringLayout.PRIMARY_DATA_KEY));
    SortedMap<String, byte[]> keys = new TreeMap<>();
    try {
      for (Path file : keyFiles(directory)) {
        String keyId = KeyringLayout.keyIdOfDataKey(file.getFileName().toString()).orElseThrow();
        byte[] raw = read(file);
        keys.put(keyId, checkedRawKey(raw, keyId, file.toString()));
      }
      return new Keyring(requirePrimaryAmong(primary, keys, directory.toString()), keys, random);
    } catch (RuntimeException e) {
      keys.values().forEach(Keyring::zero);
      throw e;
    }
  }

  /**
   * Reads the keyring from environment variables: {@code ROTOR_KEYRING_PRIMARY} (the primary key
   * id) and one {@code ROTOR_KEYRING_KEY_<KEYID>} per key (uppercase key id; the value is the key's
   * 44-character base64 text). Other variables are ignored. Nonces come from Rotor's DRBG.
   *
   * @param environment the variables, usually {@link System#getenv()}
   * @throws KeyringException as {@link #fromDirectory(Path)}, naming the variable
   */
  public static Keyring fromEnvironment(Map<String, String> environment) {
    return fromEnvironment(environment, Drbg.shared());
  }

  /** {@link #fromEnvironment(Map)} with the nonces from {@code random}. */
  public static Keyring fromEnvironment(Map<String, String> environment, SecureRandom random) {
    requireRandom(random);
    if (environment == null) {
      throw layout("environment: is required");
    }
    String primaryValue = environment.get(KeyringLayout.PRIMARY_ENV_VAR);
    if (primaryValue == null) {
      throw layout(KeyringLayout.PRIMARY_ENV_VAR + ": not set; the environment holds no keyring");
    }
    String primary =
        KeyringLayout.requireKeyId(primaryValue.strip(), KeyringLayout.PRIMARY_ENV_VAR);
    SortedMap<String, byte[]> keys = new TreeMap<>();
    try {
      for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
        String name = variable.getKey();
        if (!name.startsWith(KeyringLayout.KEY_ENV_VAR_PREFIX)) {
          continue;
        }
        String suffix = name.substring(KeyringLayout.KEY_ENV_VAR_PREFIX.length());
        String keyId = suffix.toLowerCase(Locale.ROOT);
        if (!Fingerprints.isKeyId(keyId)) {
          continue;
        }
        if (keys.containsKey(keyId)) {
          throw layout(name + ": key " + keyId + " is given twice (the id differs only in case)");
        }
        keys.put(keyId, checkedRawKey(decodeBase64(variable.getValue(), name), keyId, name));
      }
      return new Keyring(requirePrimaryAmong(primary, keys, "the environment"), keys, random);
    } catch (RuntimeException e) {
      keys.values().forEach(Keyring::zero);
      throw e;
    }
  }

  /**
   * A keyring from raw keys held in memory (for example unsealed by the caller). The ids are
   * derived from the keys; the bytes are copied, the caller zeroes its own arrays. Nonces come from
   * Rotor's DRBG.
   *
   * @param primaryKeyId the id of the key that encrypts; one of {@code rawKeys}
   * @param rawKeys every key of the ring, 32 bytes each
   */
  public static Keyring of(String primaryKeyId, Collection<byte[]> rawKeys) {
    return of(primaryKeyId, rawKeys, Drbg.shared());
  }

  /** {@link #of(String, Collection)} with the nonces from {@code random}. */
  public static Keyring of(String primaryKeyId, Collection<byte[]> rawKeys, SecureRandom random) {
    requireRandom(random);
    String primary = KeyringLayout.requireKeyId(primaryKeyId, "primaryKeyId");
    SortedMap<String, byte[]> keys = new TreeMap<>();
    try {
      for (byte[] raw : rawKeys == null ? List.<byte[]>of() : rawKeys) {
        if (raw == null || raw.length != KEY_LENGTH) {
          throw layout(
              "rawKeys: expected "
                  + KEY_LENGTH
                  + " bytes per key, got "
                  + (raw == null ? "none" : raw.length + " bytes"));
        }
        String keyId = Fingerprints.keyIdOf(Fingerprints.ofRawKey(raw));
        if (keys.containsKey(keyId)) {
          throw layout("rawKeys: key " + keyId + " is given twice");
        }
        keys.put(keyId, raw.clone());
      }
      return new Keyring(requirePrimaryAmong(primary, keys, "rawKeys"), keys, random);
    } catch (RuntimeException e) {
      keys.values().forEach(Keyring::zero);
      throw e;
    }
  }

  /** The id of the key that encrypts. */
  public String primaryKeyId() {
    return primaryKeyId;
  }

  /** Every key id in the ring, sorted (the Secret's data is a map: there is no newest-first). */
  public SortedSet<String> keyIds() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(keys.keySet()));
  }

  /** The ids of the keys that only decrypt (every key but the primary), sorted. */
  public List<String> decryptOnlyKeyIds() {
    return keys.keySet().stream().filter(id -> !id.equals(primaryKeyId)).toList();
  }

  /** Whether the ring holds the key. */
  public boolean contains(String keyId) {
    return keyId != null && keys.containsKey(keyId);
  }

  /**
   * Encrypts with the primary key: {@code 0x01 || key id || nonce || AES-256-GCM(plaintext) ||
   * tag}, no associated data.
   *
   * @throws IllegalStateException when the keyring is closed
   */
  public byte[] encrypt(byte[] plaintext) {
    if (plaintext == null) {
      throw new IllegalArgumentException("plaintext: is required (an empty array is fine)");
    }
    lock.readLock().lock();
    try {
      requireOpen();
      byte[] nonce = new byte[KeyringCiphertextFormat.NONCE_LENGTH];
      random.nextBytes(nonce);
      Cipher gcm = cipher(Cipher.ENCRYPT_MODE, primaryKeyId, nonce, 0);
      byte[] ciphertext = new byte[BODY_OFFSET + gcm.getOutputSize(plaintext.length)];
      System.arraycopy(
          KeyringCiphertextFormat.header(primaryKeyId),
          0,
          ciphertext,
          0,
          KeyringCiphertextFormat.HEADER_LENGTH);
      System.arraycopy(nonce, 0, ciphertext, KeyringCiphertextFormat.HEADER_LENGTH, nonce.length);
      gcm.doFinal(plaintext, 0, plaintext.length, ciphertext, BODY_OFFSET);
      return ciphertext;
    } catch (GeneralSecurityException e) {
      throw unavailable(e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Decrypts a value in the keyring ciphertext format with the key its header names. The plaintext
   * belongs to the caller.
   *
   * @throws KeyringException {@link KeyringException.Reason#NOT_IN_KEYRING} naming the key id when
   *     that key is not in the ring; {@link KeyringException.Reason#MALFORMED_CIPHERTEXT} when the
   *     value is too short, of an unknown version, or does not authenticate (altered, truncated, or
   *     written with another key of the same id)
   * @throws IllegalStateException when the keyring is closed
   */
  public byte[] decrypt(byte[] ciphertext) {
    String keyId = KeyringCiphertextFormat.keyIdOf(ciphertext);
    lock.readLock().lock();
    try {
      requireOpen();
      if (!keys.containsKey(keyId)) {
        throw new KeyringException(
            KeyringException.Reason.NOT_IN_KEYRING,
            "cannot decrypt: the value was encrypted with key "
                + keyId
                + ", which is not in the keyring (primary "
                + primaryKeyId
                + ", decrypt-only "
                + decryptOnlyKeyIds()
                + ")");
      }
      byte[] nonce =
          Arrays.copyOfRange(ciphertext, KeyringCiphertextFormat.HEADER_LENGTH, BODY_OFFSET);
      Cipher gcm = cipher(Cipher.DECRYPT_MODE, keyId, nonce, 0);
      return gcm.doFinal(ciphertext, BODY_OFFSET, ciphertext.length - BODY_OFFSET);
    } catch (AEADBadTagException e) {
      throw new KeyringException(
          KeyringException.Reason.MALFORMED_CIPHERTEXT,
          "cannot decrypt: the value names key "
              + keyId
              + " but does not authenticate with it (altered or truncated, or written with"
              + " another key of the same id)");
    } catch (GeneralSecurityException e) {
      throw unavailable(e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The id of the key a value was encrypted with, from its header, without decrypting.
   *
   * @throws KeyringException {@link KeyringException.Reason#MALFORMED_CIPHERTEXT} when the value is
   *     too short or of an unknown version
   */
  public static String keyIdOf(byte[] ciphertext) {
    return KeyringCiphertextFormat.keyIdOf(ciphertext);
  }

  public boolean isClosed() {
    lock.readLock().lock();
    try {
      return closed;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Zeroes every key; encrypting or decrypting afterwards fails. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      keys.values().forEach(Keyring::zero);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Key ids only, never a key. */
  @Override
  public String toString() {
    return "Keyring[primary="
        + primaryKeyId
        + ", decryptOnly="
        + decryptOnlyKeyIds()
        + (isClosed() ? ", closed" : "")
        + "]";
  }

  /** The live key buffers, for tests that check they are zeroed. */
  Collection<byte[]> keyBuffers() {
    return new ArrayList<>(keys.values());
  }

  private Cipher cipher(int mode, String keyId, byte[] nonce, int nonceOffset)
      throws GeneralSecurityException {
    Cipher gcm = Cipher.getInstance(TRANSFORMATION);
    gcm.init(
        mode,
        new SecretKeySpec(keys.get(keyId), "AES"),
        new GCMParameterSpec(TAG_BITS, nonce, nonceOffset, KeyringCiphertextFormat.NONCE_LENGTH));
    return gcm;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the keyring is closed: its keys were zeroed");
    }
  }

  private static String readPrimary(Path file) {
    byte[] bytes = read(file);
    try {
      return KeyringLayout.requireKeyId(
          new String(bytes, StandardCharsets.US_ASCII).strip(), file.toString());
    } finally {
      zero(bytes);
    }
  }

  private static List<Path> keyFiles(Path directory) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (KeyringLayout.keyIdOfDataKey(entry.getFileName().toString()).isPresent()
            && !Files.isDirectory(entry)) {
          files.add(entry);
        }
      }
    } catch (IOException e) {
      throw layout("keyring directory " + directory + ": cannot list it (" + e + ")");
    }
    files.sort(null);
    return files;
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw layout(file + ": missing; the keyring has no " + file.getFileName());
    } catch (IOException e) {
      // An IOException names the path and the cause, never the content.
      throw layout(file + ": cannot read it (" + e + ")");
    }
  }

  private static byte[] decodeBase64(String value, String variable) {
    if (value == null) {
      throw layout(variable + ": empty");
    }
    byte[] ascii = value.strip().getBytes(StandardCharsets.US_ASCII);
    try {
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(ascii);
      } catch (IllegalArgumentException e) {
        // The JDK's message may quote a character of the value: do not chain or repeat it.
        throw layout(
            variable
                + ": not standard base64; expected the 44-character text of the key (as"
                + " `openssl rand -base64 32` prints it)");
      }
      byte[] canonical = Base64.getEncoder().encode(raw);
      boolean isCanonical = MessageDigest.isEqual(canonical, ascii);
      zero(canonical);
      if (!isCanonical) {
        zero(raw);
        throw layout(variable + ": not the canonical padded base64 text of the key");
      }
      return raw;
    } finally {
      zero(ascii);
    }
  }

  /** Checks length and id; zeroes {@code raw} and throws when it is not the key it should be. */
  private static byte[] checkedRawKey(byte[] raw, String keyId, String source) {
    if (raw.length != KEY_LENGTH) {
      int length = raw.length;
      zero(raw);
      throw layout(
          source
              + ": expected "
              + KEY_LENGTH
              + " key bytes, got "
              + length
              + " (a truncated file, or base64 text where raw bytes belong)");
    }
    String actual = Fingerprints.keyIdOf(Fingerprints.ofRawKey(raw));
    if (!actual.equals(keyId)) {
      zero(raw);
      throw layout(
          source
              + ": holds key "
              + actual
              + ", not "
              + keyId
              + " (the key id is the start of the SHA-256 of the key's base64 text); a"
              + " mislabeled or mixed-up key is refused");
    }
    return raw;
  }

  private static String requirePrimaryAmong(
      String primary, Map<String, byte[]> keys, String source) {
    if (!keys.containsKey(primary)) {
      throw layout(
          "the primary key "
              + primary
              + " is not in the keyring of "
              + source
              + " (keys "
              + new TreeSet<>(keys.keySet())
              + ")");
    }
    return primary;
  }

  private static void requireRandom(SecureRandom random) {
    if (random == null) {
      throw new IllegalArgumentException("random: is required");
    }
  }

  private static IllegalStateException unavailable(GeneralSecurityException e) {
    // Not a property of the value: the runtime lacks AES-GCM (a broken or restricted JDK).
    return new IllegalStateException(
        "AES-256-GCM is unavailable in this Java runtime: " + e.getClass().getSimpleName());
  }

  private static void zero(byte[] bytes) {
    Arrays.fill(bytes, (byte) 0);
  }

  private static KeyringException layout(String message) {
    return new KeyringException(KeyringException.Reason.INVALID_LAYOUT, message);
  }
}
