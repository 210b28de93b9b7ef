package dev.rotor.notifier.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Every secret the notifier holds, to scrub text that leaves the process (log lines, dead-letter
 * reasons) of them, in case an exception message from a lower layer ever repeats one.
 */
public final class Secrets {
  /** What replaces a secret. */
  public static final String REDACTED = "[redacted]";

  private final List<SecretValue> secrets;

  public Secrets(List<SecretValue> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  /** {@code text} with every current secret value, and the path of every secret URL, replaced. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (SecretValue secret : secrets) {
      for (String form : forms(secret.value())) {
        result = result.replace(form, REDACTED);
      }
    }
    return result;
  }

  private static List<String> forms(String value) {
    List<String> forms = new ArrayList<>();
    if (value == null || value.isEmpty()) {
      return forms;
    }
    forms.add(value);
    try {
      URI uri = URI.create(value);
      if (uri.getRawPath() != null && uri.getRawPath().length() > 1) {
        forms.add(uri.getRawPath()); // a webhook URL's secret part
      }
    } catch (IllegalArgumentException e) {
      // not a URL: a token
    }
    return forms;
  }
}
