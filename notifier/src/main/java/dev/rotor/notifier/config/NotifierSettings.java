package dev.rotor.notifier.config;

import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Severity;
import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.notifier.config.NotifierConfig.Mode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The notifier's configuration, checked as a whole at start-up: every problem is reported at once,
 * each naming its key, and a secret's value never appears in a message.
 *
 * @param mode how messages reach Slack
 * @param apiUrl the Web API base URL, without a trailing slash
 * @param token the bot token (web-api mode)
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long to wait for an answer
 * @param proxy the HTTP proxy, if one is configured
 * @param broadcastSeverity thread replies at or above it are also shown in the channel
 * @param channels the enabled channels, by name
 * @param retry retries and backoff
 * @param ledgerBaseUrl where rotation records are, without a trailing slash
 * @param pageMention who is mentioned on {@code PAGE} events
 * @param pollInterval how often an idle channel's loop looks at its queue without being woken
 */
public record NotifierSettings(
    Mode mode,
    String apiUrl,
    Optional<SecretValue> token,
    Duration connectTimeout,
    Duration requestTimeout,
    Optional<InetSocketAddress> proxy,
    Severity broadcastSeverity,
    List<ChannelSettings> channels,
    RetrySettings retry,
    Optional<String> ledgerBaseUrl,
    Optional<String> pageMention,
    Duration pollInterval) {

  static final String PREFIX = "rotor.notifier.";

  private static final Pattern CHANNEL_NAME = Pattern.compile("#[a-z0-9][a-z0-9_\\-]{0,79}");
  private static final Pattern CHANNEL_ID = Pattern.compile("[CGD][A-Z0-9]{6,}");
  private static final Pattern MENTION =
      Pattern.compile("<!here>|<!channel>|<!subteam\\^[A-Z0-9]+>|<@[UW][A-Z0-9]+>");
  private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9.\\-]+):(\\d{1,5})");

  public NotifierSettings {
    channels = List.copyOf(channels);
  }

  /**
   * Checks and resolves {@code config}; secrets given as files are read now.
   *
   * @throws NotifierConfigException listing every problem, each with its key
   */
  public static NotifierSettings from(NotifierConfig config) {
    List<String> problems = new ArrayList<>();
    Mode mode = config.mode();
    NotifierConfig.Slack slack = config.slack();

    String apiUrl = stripSlash(slack.apiUrl());
    checkUrl(apiUrl, PREFIX + "slack.api-url", problems, true);
    Optional<SecretValue> token =
        secret(
            slack.token(),
            slack.tokenFile(),
            PREFIX + "slack.token",
            PREFIX + "slack.token-file",
            mode == Mode.WEB_API,
            "in web-api mode",
            NotifierSettings::tokenProblem,
            problems);
    token.ifPresent(t -> checkToken(t, problems));
    positive(slack.connectTimeout(), PREFIX + "slack.connect-timeout", problems);
    positive(slack.requestTimeout(), PREFIX + "slack.request-timeout", problems);
    Optional<InetSocketAddress> proxy = Optional.empty();
    if (slack.proxy().isPresent()) {
      var m = HOST_PORT.matcher(slack.proxy().get());
      if (m.matches() && Integer.parseInt(m.group(2)) <= 65535) {
        proxy =
            Optional.of(
                InetSocketAddress.createUnresolved(m.group(1), Integer.parseInt(m.group(2))));
      } else {
        problems.add(PREFIX + "slack.proxy: expected host:port");
      }
    }

    List<ChannelSettings> channels = new ArrayList<>();
    Map<String, String> slackChannels = new HashMap<>();
    List<String> names = new ArrayList<>(config.channels().keySet());
    names.sort(Comparator.naturalOrder());
    for (String name : names) {
      NotifierConfig.Channel channel = config.channels().get(name);
      if (!channel.enabled()) {
        continue;
      }
      ChannelSettings settings = channel(name, channel, mode, problems);
      if (settings == null) {
        continue;
      }
      String other = slackChannels.putIfAbsent(settings.slackChannel(), name);
      if (other != null) {
        problems.add(
            key(name, "slack-channel")
                + ": "
                + settings.slackChannel()
                + " is also the Slack channel of "
                + other
                + "; give one channel every rule it needs");
      }
      checkLockKeys(settings, channels, problems);
      channels.add(settings);
    }
    if (channels.isEmpty() && problems.isEmpty()) {
      problems.add(PREFIX + "channels: no channel is enabled; the notifier would send nothing");
    }

    NotifierConfig.Delivery delivery = config.delivery();
    if (delivery.maxAttempts() < 1) {
      problems.add(PREFIX + "delivery.max-attempts: must be at least 1");
    }
    positive(delivery.initialBackoff(), PREFIX + "delivery.initial-backoff", problems);
    if (!(delivery.backoffMultiplier() >= 1.0)) {
      problems.add(PREFIX + "delivery.backoff-multiplier: must be 1 or more");
    }
    if (delivery.maxBackoff().compareTo(delivery.initialBackoff()) < 0) {
      problems.add(PREFIX + "delivery.max-backoff: must not be shorter than initial-backoff");
    }
    positive(delivery.maxRetryAfter(), PREFIX + "delivery.max-retry-after", problems);
    positive(delivery.pollInterval(), PREFIX + "delivery.poll-interval", problems);

    NotifierConfig.Retention retention = config.retention();
    if (retention.keep().compareTo(BatchedPurge.REDELIVERY_HORIZON) < 0) {
      problems.add(
          PREFIX
              + "retention.keep: must be at least P98D (the event topics keep records 90 days, up"
              + " to 97 as Kafka deletes whole segments); got "
              + retention.keep());
    }
    if (retention.purgeInterval().compareTo(Duration.ofMinutes(1)) < 0) {
      problems.add(
          PREFIX
              + "retention.purge-interval: must be at least PT1M; got "
              + retention.purgeInterval());
    }

    Optional<String> ledger = config.message().ledgerBaseUrl().map(NotifierSettings::stripSlash);
    ledger.ifPresent(url -> checkUrl(url, PREFIX + "message.ledger-base-url", problems, false));
    Optional<String> mention = config.message().pageMention().map(String::strip);
    if (mention.isPresent() && !MENTION.matcher(mention.get()).matches()) {
      problems.add(
          PREFIX
              + "message.page-mention: expected <!here>, <!channel>, <!subteam^ID> or <@USERID>");
    }

    if (!problems.isEmpty()) {
      throw new NotifierConfigException(problems);
    }
    return new NotifierSettings(
        mode,
        apiUrl,
        token,
        slack.connectTimeout(),
        slack.requestTimeout(),
        proxy,
        slack.broadcastSeverity(),
        channels,
        new RetrySettings(
            delivery.maxAttempts(),
            delivery.initialBackoff(),
            delivery.backoffMultiplier(),
            delivery.maxBackoff(),
            delivery.maxRetryAfter()),
        ledger,
        mention,
        delivery.pollInterval());
  }

  /** Connections the notifier needs from its pool besides the channels' own (queueing, health). */
  public static final int SPARE_CONNECTIONS = 4;

  /**
   * Checks that the database pool can lend each channel its own connection for the channel's lock
   * (docs/notifier.md) and still serve the queueing and the health checks: a pool that is too small
   * would let the delivery loops take every connection and stall the consumer.
   *
   * @param poolMaxSize {@code quarkus.datasource.jdbc.max-size}
   * @throws NotifierConfigException naming the key when it is too small
   */
  public void requirePool(int poolMaxSize) {
    int needed = channels.size() + SPARE_CONNECTIONS;
    if (poolMaxSize < needed) {
      throw new NotifierConfigException(
          List.of(
              "quarkus.datasource.jdbc.max-size: "
                  + poolMaxSize
                  + " is too small for "
                  + channels.size()
                  + " channels: each holds one connection for its lock, and "
                  + SPARE_CONNECTIONS
                  + " more are needed; set it to at least "
                  + needed));
    }
  }

  /** Every secret, for {@link Secrets}. */
  public List<SecretValue> secrets() {
    List<SecretValue> all = new ArrayList<>();
    token.ifPresent(all::add);
    channels.forEach(c -> c.webhookUrl().ifPresent(all::add));
    return all;
  }

  private static ChannelSettings channel(
      String name, NotifierConfig.Channel channel, Mode mode, List<String> problems) {
    int before = problems.size();
    String slackChannel = channel.slackChannel().map(String::strip).orElse("#" + name);
    if (!CHANNEL_NAME.matcher(slackChannel).matches()
        && !CHANNEL_ID.matcher(slackChannel).matches()) {
      problems.add(
          key(name, "slack-channel")
              + (channel.slackChannel().isPresent()
                  ? ": expected a channel id (C0123ABCD) or #name in lowercase"
                  : ": the key is no Slack channel name; set slack-channel"));
    }
    Set<EventType> events = eventTypes(channel.events(), key(name, "events"), problems);
    Set<EventType> excluded =
        eventTypes(channel.excludeEvents(), key(name, "exclude-events"), problems);
    if (events.isEmpty() && channel.minSeverity().isEmpty()) {
      problems.add(key(name, "events") + ": selects no event; set events or min-severity");
    }
    List<TargetPattern> targets = new ArrayList<>();
    if (channel.targets().isEmpty()) {
      problems.add(key(name, "targets") + ": must not be empty; * matches every target");
    }
    for (String glob : channel.targets()) {
      try {
        targets.add(new TargetPattern(glob.strip()));
      } catch (IllegalArgumentException e) {
        problems.add(key(name, "targets") + ": '" + glob + "' " + e.getMessage());
      }
    }
    Optional<SecretValue> webhook =
        secret(
            channel.webhookUrl(),
            channel.webhookUrlFile(),
            key(name, "webhook-url"),
            key(name, "webhook-url-file"),
            mode == Mode.WEBHOOK,
            "in webhook mode",
            NotifierSettings::secretUrlProblem,
            problems);
    webhook.ifPresent(url -> checkSecretUrl(url, problems));
    if (problems.size() > before) {
      return null;
    }
    return new ChannelSettings(
        name, slackChannel, events, channel.minSeverity(), excluded, targets, webhook);
  }

  private static Set<EventType> eventTypes(
      Optional<List<String>> names, String key, List<String> problems) {
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (String raw : names.orElse(List.of())) {
      String name = raw.strip();
      Optional<EventType> type =
          EventType.fromCloudEventType(name)
              .or(
                  () ->
                      EventType.fromCloudEventType(
                          EventType.TYPE_PREFIX
                              + name.toLowerCase(Locale.ROOT)
                              + EventType.VERSION_SUFFIX));
      if (type.isPresent()) {
        types.add(type.get());
      } else {
        problems.add(
            key + ": '" + name + "' is no event type (e.g. rollout.failed, see docs/events.md)");
      }
    }
    return types;
  }

  private static Optional<SecretValue> secret(
      Optional<String> inline,
      Optional<java.nio.file.Path> file,
      String inlineKey,
      String fileKey,
      boolean required,
      String when,
      java.util.function.Function<String, String> check,
      List<String> problems) {
    Optional<String> value = inline.map(String::strip).filter(v -> !v.isEmpty());
    if (value.isPresent() && file.isPresent()) {
      problems.add(inlineKey + ": set either " + inlineKey + " or " + fileKey + ", not both");
      return Optional.empty();
    }
    if (value.isPresent()) {
      return Optional.of(SecretValue.of(inlineKey, value.get()));
    }
    if (file.isPresent()) {
      try {
        return Optional.of(SecretValue.fromFile(fileKey, file.get(), check));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
        return Optional.empty();
      }
    }
    if (required) {
      problems.add(inlineKey + ": is required " + when + " (or set " + fileKey + ")");
    }
    return Optional.empty();
  }

  /**
   * Refuses a channel whose advisory-lock key is another channel's: they would share one lock, and
   * the loop of one would never deliver while the other's held it.
   */
  static void checkLockKeys(
      ChannelSettings channel, List<ChannelSettings> before, List<String> problems) {
    for (ChannelSettings other : before) {
      if (!other.slackChannel().equals(channel.slackChannel())
          && other.lockKey() == channel.lockKey()) {
        problems.add(
            key(channel.name(), "slack-channel")
                + ": "
                + channel.slackChannel()
                + " has the same lock key as "
                + other.slackChannel()
                + " (channel "
                + other.name()
                + "); one of them needs another name or its id (C0…)");
      }
    }
  }

  private static void checkToken(SecretValue token, List<String> problems) {
    String problem = tokenProblem(token.value());
    if (problem != null) {
      problems.add(token.key() + ": " + problem);
    }
  }

  /** What is wrong with a bot token, without repeating it; {@code null} if nothing. */
  static String tokenProblem(String value) {
    return value.chars().anyMatch(c -> c <= ' ' || c > '~')
        ? "holds spaces or control characters; expected xoxb-..."
        : null;
  }

  private static void checkSecretUrl(SecretValue url, List<String> problems) {
    String problem = secretUrlProblem(url.value());
    if (problem != null) {
      problems.add(url.key() + ": " + problem);
    }
  }

  /**
   * What is wrong with a secret URL (a webhook's), without repeating it; {@code null} if nothing.
   */
  static String secretUrlProblem(String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      return "is not a URL";
    }
    return isAcceptable(uri) ? null : "must be an absolute https URL (http only for localhost)";
  }

  private static void checkUrl(String value, String key, List<String> problems, boolean https) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      problems.add(key + ": '" + value + "' is not a URL");
      return;
    }
    if (https ? !isAcceptable(uri) : !isHttp(uri)) {
      problems.add(
          key
              + ": '"
              + value
              + "' must be an absolute "
              + (https ? "https URL (http only for localhost)" : "http(s) URL"));
    }
  }

  private static boolean isHttp(URI uri) {
    return uri.isAbsolute()
        && uri.getHost() != null
        && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
  }

  private static boolean isAcceptable(URI uri) {
    if (!isHttp(uri)) {
      return false;
    }
    if ("https".equalsIgnoreCase(uri.getScheme())) {
      return true;
    }
    String host = uri.getHost();
    return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
  }

  private static void positive(Duration value, String key, List<String> problems) {
    if (value.isZero() || value.isNegative()) {
      problems.add(key + ": must be longer than zero");
    }
  }

  private static String stripSlash(String url) {
    String stripped = url.strip();
    while (stripped.endsWith("/")) {
      stripped = stripped.substring(0, stripped.length() - 1);
    }
    return stripped;
  }

  private static String key(String channel, String property) {
    String name = channel.matches("[a-z0-9\\-]+") ? channel : "\"" + channel + "\"";
    return PREFIX + "channels." + name + "." + property;
  }
}
