package dev.rotor.notifier.message;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Slack's mrkdwn: text from events is escaped, so that nothing an event carries can mention
 * {@code @channel}, forge a link or break the layout.
 */
public final class Mrkdwn {
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
  private static final Pattern CODE_SAFE = Pattern.compile("[\\p{Alnum}._:/\\-+=@^ ]*");

  private Mrkdwn() {}

  /** {@code text} with Slack's control characters {@code & < >} escaped. */
  public static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Escaped text, cut to {@code max} characters (with an ellipsis) and without line breaks. */
  public static String line(String text, int max) {
    return truncate(escape(text.replaceAll("\\s+", " ").strip()), max);
  }

  /**
   * Escaped text, quoted (each line starts with {@code >}), cut to {@code max} characters: the
   * quote marks are added before the cut, so that many short lines cannot push it over.
   */
  public static String quote(String text, int max) {
    String quoted = "&gt; " + escape(text.strip()).replace("\n", "\n&gt; ");
    return truncate(quoted, max);
  }

  /** An identifier in a code span; one with characters that could break out is escaped text. */
  public static String code(String identifier) {
    if (identifier.isEmpty() || !CODE_SAFE.matcher(identifier).matches()) {
      return escape(identifier);
    }
    return "`" + identifier + "`";
  }

  /** {@code text} cut to {@code max} characters, the last one an ellipsis when cut. */
  public static String truncate(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    // Not in the middle of an entity (&amp; &lt; &gt;), which Slack would show half-written.
    int amp = text.lastIndexOf('&', end - 1);
    if (amp >= 0 && end - amp < 5 && text.indexOf(';', amp) >= end) {
      end = amp;
    }
    return text.substring(0, end) + "…";
  }

  /**
   * A time Slack shows in each reader's own time zone, with the UTC time as the fallback for
   * clients that cannot.
   */
  public static String time(Instant instant) {
    return "<!date^"
        + instant.getEpochSecond()
        + "^{date_short_pretty} {time}|"
        + UTC.format(instant)
        + ">";
  }

  /** A time as plain text, in UTC. */
  public static String plainTime(Instant instant) {
    return UTC.format(instant);
  }

  /**
   * A link, if {@code url} is an absolute http(s) URL that cannot break out of Slack's link syntax;
   * else {@code null}.
   */
  public static String link(String url, String label) {
    if (url == null || url.isBlank() || url.length() > 2000) {
      return null;
    }
    for (char c : url.toCharArray()) {
      if (c <= ' ' || c == '<' || c == '>' || c == '|' || c == '"' || c > '~') {
        return null;
      }
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (!uri.isAbsolute()
          || uri.getHost() == null
          || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
        return null;
      }
    } catch (URISyntaxException e) {
      return null;
    }
    return "<" + url.replace("&", "&amp;") + "|" + escape(label) + ">";
  }
}
