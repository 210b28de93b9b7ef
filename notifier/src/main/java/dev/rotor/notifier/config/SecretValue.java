package dev.rotor.notifier.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A secret (bot token, webhook URL) from the configuration or from a file, such as a mounted
 * Kubernetes Secret. A file is re-read when its modification time changes, so the secret can be
 * rotated without a restart. {@link #toString()} never shows the value.
 */
public final class SecretValue {
  private static final Logger LOG = Logger.getLogger(SecretValue.class);

  private final String key;
  private final Path file;
  private final Function<String, String> check;
  private volatile String value;
  private volatile FileTime readAt;

  private SecretValue(String key, String value, Path file, Function<String, String> check) {
    this.key = key;
    this.value = value;
    this.file = file;
    this.check = check;
  }

  /** A secret given inline; {@code key} names it in messages. */
  public static SecretValue of(String key, String value) {
    return new SecretValue(key, value.strip(), null, v -> null);
  }

  /**
   * A secret read from {@code file} now and again whenever the file changes.
   *
   * @throws IllegalArgumentException naming {@code key} and the file when it cannot be read or is
   *     empty
   */
  public static SecretValue fromFile(String key, Path file) {
    return fromFile(key, file, v -> null);
  }

  /**
   * A secret read from {@code file} now and again whenever the file changes; {@code check} says
   * what is wrong with a value (never repeating it), or {@code null}. A changed file whose value
   * fails the check is refused with an error that names the file, and the last good value stays.
   *
   * @throws IllegalArgumentException naming {@code key} and the file when it cannot be read, is
   *     empty, or fails the check
   */
  public static SecretValue fromFile(String key, Path file, Function<String, String> check) {
    SecretValue secret = new SecretValue(key, null, file, check);
    try {
      secret.reload();
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(
          key + ": cannot read " + file + " (" + e.getCause().getClass().getSimpleName() + ")");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + file + " " + e.getMessage());
    }
    if (secret.value.isEmpty()) {
      throw new IllegalArgumentException(key + ": " + file + " is empty");
    }
    return secret;
  }

  /** The current value; a changed file is read again (if that fails, the last value stays). */
  public String value() {
    if (file != null) {
      try {
        if (!Files.getLastModifiedTime(file).equals(readAt) && reload()) {
          LOG.infof("ROTOR-6012 %s re-read from %s after it changed", key, file);
        }
      } catch (IOException | UncheckedIOException e) {
        LOG.warnf(
            "ROTOR-6013 %s: cannot re-read %s (%s); keeping the value read before",
            key, file, e.getClass().getSimpleName());
      } catch (IllegalArgumentException e) {
        LOG.errorf(
            "ROTOR-6013 %s: %s changed and %s; keeping the value read before until the file is"
                + " fixed",
            key, file, e.getMessage());
      }
    }
    return value;
  }

  /** The configuration key the secret comes from. */
  public String key() {
    return key;
  }

  /** The file the secret is read from, if any. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * Reads the file; whether the value changed. An empty file (being replaced) is read later.
   *
   * @throws IllegalArgumentException with what is wrong when the value fails the check
   */
  private boolean reload() {
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty() && value != null) {
        return false;
      }
      String problem = text.isEmpty() ? null : check.apply(text);
      if (problem != null) {
        // Not read again until the file changes again.
        readAt = modified;
        throw new IllegalArgumentException(problem);
      }
      boolean changed = value != null && !text.equals(value);
      value = text;
      readAt = modified;
      return changed;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return file == null ? key + " (inline, hidden)" : key + " (from " + file + ", hidden)";
  }
}
