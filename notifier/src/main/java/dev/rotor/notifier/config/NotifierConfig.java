package dev.rotor.notifier.config;

import dev.rotor.common.event.Severity;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The notifier's configuration. Secrets (the bot token, webhook URLs) are read as plain strings and
 * checked by {@link NotifierSettings}, never converted by the config system: a conversion error
 * would repeat the value in its message.
 */
@ConfigMapping(prefix = "rotor.notifier")
public interface NotifierConfig {

  /**
   * How messages reach Slack: {@code web-api} (chat.postMessage with a bot token; one thread per
   * rotation) or {@code webhook} (one incoming-webhook URL per channel; no threads).
   */
  @WithDefault("web-api")
  Mode mode();

  /** The Slack Web API and the HTTP client. */
  Slack slack();

  /**
   * The channels, by a short name of your choice (used in logs, metrics and the dead-letter
   * reason), each with the events it receives.
   */
  Map<String, Channel> channels();

  /** Retries, backoff and the bound after which an event goes to the dead-letter topic. */
  Delivery delivery();

  /** How long the delivery records are kept. */
  Retention retention();

  /** What the messages contain besides the event. */
  Message message();

  /** How messages reach Slack. */
  enum Mode {
    /** {@code chat.postMessage} with a bot token: threads, reply broadcast, message metadata. */
    WEB_API,
    /** Incoming webhooks, one URL per channel: no threads. */
    WEBHOOK
  }

  /** The Slack Web API and the HTTP client. */
  interface Slack {
    /** Base URL of the Slack Web API; {@code chat.postMessage} is appended. */
    @WithDefault("https://slack.com/api")
    String apiUrl();

    /**
     * The bot token ({@code xoxb-...}) for web-api mode, with scope {@code chat:write}. Prefer
     * {@code token-file}; set exactly one of the two.
     */
    Optional<String> token();

    /**
     * A file that holds the bot token (a mounted Kubernetes Secret); re-read when it changes, so
     * the token can be rotated without a restart.
     */
    Optional<Path> tokenFile();

    /** How long to wait for a connection to Slack. */
    @WithDefault("PT5S")
    Duration connectTimeout();

    /** How long to wait for Slack's answer to one request. */
    @WithDefault("PT10S")
    Duration requestTimeout();

    /**
     * An HTTP proxy for the way out to Slack, {@code host:port}; none: the JVM's default proxy
     * selector ({@code https.proxyHost} system properties).
     */
    Optional<String> proxy();

    /**
     * Thread replies of this severity or higher are also shown in the channel (Slack's {@code
     * reply_broadcast}), so a failure is not buried in a thread.
     */
    @WithDefault("CRITICAL")
    Severity broadcastSeverity();
  }

  /** One Slack channel and the events it receives. */
  interface Channel {
    /** Whether this channel receives anything; {@code false} turns a default channel off. */
    @WithDefault("true")
    boolean enabled();

    /**
     * The Slack channel: an id ({@code C0123ABCD}) or a name ({@code #security-ops}); default
     * {@code #} followed by the channel's key.
     */
    Optional<String> slackChannel();

    /** Event types (e.g. {@code manifest.proposed}) always sent here, whatever their severity. */
    Optional<List<String>> events();

    /** Every event type of this severity or higher is sent here ({@code INFO} for every type). */
    Optional<Severity> minSeverity();

    /** Event types never sent here, even when they match {@code events} or {@code min-severity}. */
    Optional<List<String>> excludeEvents();

    /**
     * Targets whose events are sent here: target ids ({@code payments/api-key}) or patterns with
     * {@code *} ({@code payments/*}); events without a target (ledger checkpoints) match only
     * {@code *}.
     */
    @WithDefault("*")
    List<String> targets();

    /**
     * The channel's incoming-webhook URL (webhook mode). A secret: prefer {@code webhook-url-file};
     * set exactly one of the two.
     */
    Optional<String> webhookUrl();

    /** A file that holds the channel's incoming-webhook URL; re-read when it changes. */
    Optional<Path> webhookUrlFile();
  }

  /** How long the delivery records are kept (docs/notifier.md, "Retention"). */
  interface Retention {
    /**
     * How long after a rotation's last record its records go, once it ended: they are what makes a
     * redelivered event post nothing, so they must outlive the event in its topic (90 days). At
     * least {@code P98D} ({@code BatchedPurge.REDELIVERY_HORIZON}).
     */
    @WithDefault("P100D")
    Duration keep();

    /** How often records older than {@code keep} are purged (the first run at start-up). */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }

  /** Retries, backoff and the bound after which an event goes to the dead-letter topic. */
  interface Delivery {
    /**
     * Attempts per event and channel (rate-limit waits included) before the event goes to {@code
     * rotor.dlq}; with the default backoff, 20 attempts hold an event for about an hour.
     */
    @WithDefault("20")
    int maxAttempts();

    /** The wait after the first failed attempt. */
    @WithDefault("PT1S")
    Duration initialBackoff();

    /** Each further wait is the previous one times this factor, up to {@code max-backoff}. */
    @WithDefault("2.0")
    double backoffMultiplier();

    /** The longest wait between two attempts (rate-limit waits aside). */
    @WithDefault("PT5M")
    Duration maxBackoff();

    /**
     * The longest {@code Retry-After} honoured; a longer one (a misbehaving proxy) is cut to this.
     */
    @WithDefault("PT5M")
    Duration maxRetryAfter();

    /**
     * How often an idle channel's delivery loop looks at its queue without being woken (a row
     * queued is announced at once; this is the fallback, and how a replica that does not deliver a
     * channel finds out that the one that did has stopped).
     */
    @WithDefault("PT5S")
    Duration pollInterval();
  }

  /** What the messages contain besides the event. */
  interface Message {
    /**
     * Base URL of the ledger's rotation records; messages link to {@code
     * <ledger-base-url>/rotations/<rotation id>}. None: no link.
     */
    Optional<String> ledgerBaseUrl();

    /**
     * Who is mentioned in messages of severity {@code PAGE} (a failed rollback): {@code <!here>},
     * {@code <!channel>}, a user group {@code <!subteam^S0123ABCD>} or a user {@code <@U0123ABCD>}.
     * None: no mention.
     */
    Optional<String> pageMention();
  }
}
