package dev.rotor.notifier.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
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
  private volatile String value;
  private volatile FileTime readAt;

  private SecretValue(String key, String value, Path file) {
    this.key = key;
    this.value = value;
    this.file = file;
  }

  /** A secret given inline; {@code key} names it in messages. */
  public static SecretValue of(String key, String value) {
    return new SecretValue(key, value.strip(), null);
  }

  /**
   * A secret read from {@code file} now and again whenever the file changes.
   *
   * @throws IllegalArgumentException naming {@code key} and the file when it cannot be read or is
   *     empty
   */
  public static SecretValue fromFile(String key, Path file) {
    SecretValue secret = new SecretValue(key, null, file);
    try {
      secret.reload();
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(
          key + ": cannot read " + file + " (" + e.getCause().getClass().getSimpleName() + ")");
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

  /** Reads the file; whether the value changed. An empty file (being replaced) is read later. */
  private boolean reload() {
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty() && value != null) {
        return false;
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
