package dev.rotor.notifier.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.LedgerCheckpoint;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Severity;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns an event into a Slack message in Block Kit: what happened (a title, the reason code and the
 * event's message), to which target and stage, the key's fingerprint (never anything of the key
 * itself: the sealed copies and the escrow in {@code key.generated} are left out), and links to the
 * change request and the ledger record.
 *
 * <p>Everything an event carries is escaped ({@link Mrkdwn}) and cut to Slack's limits: a header of
 * 150 characters, sections of 3000, at most 10 fields of 2000.
 */
public final class MessageComposer {
  /** The {@code event_type} of the message metadata. */
  public static final String METADATA_EVENT_TYPE = "rotor_event";

  static final int HEADER_MAX = 150;
  static final int SECTION_MAX = 3000;
  static final int FIELD_MAX = 2000;
  static final int FIELDS_MAX = 10;
  static final int TEXT_MAX = 3000;
  private static final int EVIDENCE_MAX = 10;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Optional<String> ledgerBaseUrl;
  private final Optional<String> pageMention;

  /**
   * @param ledgerBaseUrl where rotation records are ({@code <base>/rotations/<id>}), no trailing
   *     slash
   * @param pageMention who to mention on {@code PAGE} events, already checked
   */
  public MessageComposer(Optional<String> ledgerBaseUrl, Optional<String> pageMention) {
    this.ledgerBaseUrl = ledgerBaseUrl;
    this.pageMention = pageMention;
  }

  /** The message for {@code event}; {@code context} fills in what this event does not carry. */
  public SlackMessage compose(EventEnvelope event, RotationContext context) {
    Content content = content(event.data());
    Severity severity = event.type().severity();
    String target = event.data().targetId();

    Map<String, String> fields = new LinkedHashMap<>();
    if (target != null) {
      fields.put(content.targetLabel, Mrkdwn.code(target));
    }
    fields.putAll(content.fields);
    Optional<String> fingerprint = content.fingerprint.or(context::fingerprint);
    fingerprint.ifPresent(fp -> fields.putIfAbsent("Fingerprint", Mrkdwn.code(fp)));
    if (event.rotationId() != null) {
      fields.put("Rotation", Mrkdwn.code(event.rotationId()));
    }

    ArrayNode blocks = JSON.arrayNode();
    blocks.add(header(emoji(event.type(), severity) + " " + content.title));
    blocks.add(section(Mrkdwn.truncate(mention(severity) + content.headline, SECTION_MAX)));
    ObjectNode fieldSection = JSON.objectNode().put("type", "section");
    ArrayNode fieldArray = fieldSection.putArray("fields");
    fields.entrySet().stream()
        .limit(FIELDS_MAX)
        .forEach(
            f ->
                fieldArray.add(
                    mrkdwn(Mrkdwn.truncate("*" + f.getKey() + "*\n" + f.getValue(), FIELD_MAX))));
    blocks.add(fieldSection);
    content.detail.ifPresent(detail -> blocks.add(section(Mrkdwn.quote(detail, SECTION_MAX))));
    if (!content.lines.isEmpty()) {
      blocks.add(section(Mrkdwn.truncate(String.join("\n", content.lines), SECTION_MAX)));
    }
    List<String> links = new ArrayList<>();
    Optional.ofNullable(content.changeRequestUrl)
        .or(context::changeRequestUrl)
        .map(url -> Mrkdwn.link(url, "Change request"))
        .ifPresent(links::add);
    if (event.rotationId() != null) {
      ledgerBaseUrl
          .map(base -> Mrkdwn.link(base + "/rotations/" + event.rotationId(), "Ledger record"))
          .ifPresent(links::add);
    }
    if (!links.isEmpty()) {
      blocks.add(section(String.join("  ·  ", links)));
    }
    ObjectNode context1 = JSON.objectNode().put("type", "context");
    context1
        .putArray("elements")
        .add(
            mrkdwn(
                Mrkdwn.truncate(
                    severity.name()
                        + "  ·  "
                        + Mrkdwn.code(event.type().eventName())
                        + "  ·  event "
                        + Mrkdwn.code(event.id())
                        + "  ·  "
                        + Mrkdwn.time(event.time()),
                    TEXT_MAX)));
    blocks.add(context1);

    String text =
        mention(severity)
            + Mrkdwn.line(
                content.title
                    + (target == null ? "" : ": " + target)
                    + content.stage.map(s -> " (" + s + ")").orElse("")
                    + content.reason.map(r -> " " + r).orElse(""),
                TEXT_MAX);
    withinLimits(blocks);
    return new SlackMessage(text, blocks, metadata(event), severity);
  }

  /**
   * The last check, after every change: no text object over Slack's limit for its place (Slack
   * refuses the whole message with {@code invalid_blocks} otherwise, and it would be given up).
   */
  static void withinLimits(ArrayNode blocks) {
    for (JsonNode block : blocks) {
      switch (block.path("type").asText()) {
        case "header" -> cut(block.path("text"), HEADER_MAX);
        case "section" -> {
          cut(block.path("text"), SECTION_MAX);
          block.path("fields").forEach(field -> cut(field, FIELD_MAX));
        }
        case "context" -> block.path("elements").forEach(element -> cut(element, TEXT_MAX));
        default -> {}
      }
    }
  }

  private static void cut(JsonNode textObject, int max) {
    if (textObject instanceof ObjectNode object && object.path("text").isTextual()) {
      String text = object.path("text").asText();
      if (text.length() > max) {
        object.put("text", Mrkdwn.truncate(text, max));
      }
    }
  }

  private String mention(Severity severity) {
    return severity == Severity.PAGE ? pageMention.map(m -> m + " ").orElse("") : "";
  }

  private static ObjectNode metadata(EventEnvelope event) {
    ObjectNode metadata = JSON.objectNode().put("event_type", METADATA_EVENT_TYPE);
    ObjectNode payload = metadata.putObject("event_payload");
    payload.put("event_id", event.id());
    payload.put("type", event.type().eventName());
    if (event.rotationId() != null) {
      payload.put("rotation_id", event.rotationId());
    }
    if (event.data().targetId() != null) {
      payload.put("target_id", event.data().targetId());
    }
    return metadata;
  }

  private static String emoji(EventType type, Severity severity) {
    if (type == EventType.ROTATION_COMPLETED || type == EventType.VERIFICATION_PASSED) {
      return ":white_check_mark:";
    }
    return switch (severity) {
      case INFO -> ":large_blue_circle:";
      case WARNING -> ":warning:";
      case CRITICAL -> ":red_circle:";
      case PAGE -> ":rotating_light:";
    };
  }

  private static ObjectNode header(String text) {
    ObjectNode header = JSON.objectNode().put("type", "header");
    header
        .putObject("text")
        .put("type", "plain_text")
        .put("text", Mrkdwn.truncate(text, HEADER_MAX))
        .put("emoji", true);
    return header;
  }

  private static ObjectNode section(String mrkdwn) {
    ObjectNode section = JSON.objectNode().put("type", "section");
    section.set("text", mrkdwn(mrkdwn));
    return section;
  }

  private static ObjectNode mrkdwn(String text) {
    return JSON.objectNode().put("type", "mrkdwn").put("text", text);
  }

  /** What one event says, before layout. */
  private static final class Content {
    String title;
    String headline;

    /** The label of the event's target. */
    String targetLabel = "Target";

    final Map<String, String> fields = new LinkedHashMap<>();
    Optional<String> detail = Optional.empty();
    final List<String> lines = new ArrayList<>();
    Optional<String> fingerprint = Optional.empty();
    Optional<String> stage = Optional.empty();
    Optional<String> reason = Optional.empty();
    String changeRequestUrl;

    Content(String title, String headline) {
      this.title = title;
      this.headline = headline;
    }

    Content stage(String cluster, Phase phase) {
      stage = Optional.of(phase == null ? cluster : cluster + ", " + phase.id());
      fields.put("Stage", Mrkdwn.code(cluster) + (phase == null ? "" : " (" + phase.id() + ")"));
      return this;
    }

    Content reason(Enum<?> code) {
      reason = Optional.of(code.name());
      fields.put("Reason", Mrkdwn.code(code.name()));
      return this;
    }

    Content field(String label, String mrkdwnValue) {
      fields.put(label, mrkdwnValue);
      return this;
    }

    Content detail(String text) {
      if (text != null && !text.isBlank()) {
        detail = Optional.of(text);
      }
      return this;
    }

    Content fingerprint(String fp) {
      fingerprint = Optional.ofNullable(fp);
      return this;
    }
  }

  private static Content content(RotorEvent data) {
    String target = data.targetId() == null ? "" : "*" + Mrkdwn.escape(data.targetId()) + "*";
    switch (data.type()) {
      case ROTATION_REQUESTED -> {
        RotationRequested e = (RotationRequested) data;
        Content c =
            new Content(
                "Rotation requested",
                who(e.requestedBy()) + " asked for a new key for " + target + ".");
        c.field("Stages", e.stages().isEmpty() ? "all of the policy's" : clusters(e.stages()));
        if (e.requestedBy() != null) {
          c.field("Requested by", Mrkdwn.line(e.requestedBy(), 200));
        }
        return c.detail(e.reason());
      }
      case ROTATION_REJECTED -> {
        RotationRejected e = (RotationRejected) data;
        if (e.reason() == Reasons.Rejection.DUPLICATE) {
          // The answer to a request that reused the id of an earlier rotation, not news of that
          // rotation: it may be in flight or long ended, and stays as it is. Its target is the new
          // request's, which need not be that rotation's.
          Content c =
              new Content(
                      "Duplicate request refused",
                      "A new request to rotate "
                          + target
                          + " reused the id of rotation "
                          + Mrkdwn.code(e.rotationId())
                          + ", which was requested before. It was refused and changes nothing: that"
                          + " rotation is not affected.")
                  .reason(e.reason())
                  .detail(e.message());
          c.targetLabel = "Requested target";
          return c;
        }
        Content c =
            new Content(
                    "Rotation request rejected",
                    "The request to rotate " + target + " was refused.")
                .reason(e.reason());
        if (e.inFlightRotationId() != null) {
          c.field("Rotation in flight", Mrkdwn.code(e.inFlightRotationId()));
        }
        return c.detail(e.message());
      }
      case KEY_GENERATED -> {
        KeyGenerated e = (KeyGenerated) data;
        return new Content(
                "New key generated",
                "A new key for " + target + " exists, sealed for its recipients only.")
            .field("Key id", Mrkdwn.code(e.keyId()))
            .fingerprint(e.fingerprint())
            .field("Fingerprint", Mrkdwn.code(e.fingerprint()))
            .field("Requested by", Mrkdwn.line(e.requestedBy(), 200))
            .field("Stages", stages(e.plan()));
      }
      case ROTATION_DUE -> {
        RotationDue e = (RotationDue) data;
        return new Content(
                "Rotation due",
                target + " is due for rotation " + Mrkdwn.time(e.dueAt()) + ": plan its window.")
            .field("Due", Mrkdwn.time(e.dueAt()))
            .field("Cadence", Mrkdwn.code(e.cadence()))
            .field(
                "Last rotated",
                e.lastCompletedAt() == null ? "never" : Mrkdwn.time(e.lastCompletedAt()));
      }
      case MANIFEST_PROPOSED -> {
        ManifestProposed e = (ManifestProposed) data;
        Plan plan = e.plan();
        Content c =
            new Content(
                    "Change waiting for review",
                    "The change that rotates "
                        + target
                        + " waits for "
                        + approvals(plan)
                        + (e.changeRequestUrl() == null
                            ? ": approve it with `rotorctl approve`."
                            : ": review the change request."))
                .field("Branch", Mrkdwn.code(e.branch()))
                .fingerprint(e.fingerprint())
                .field("Fingerprint", Mrkdwn.code(e.fingerprint()))
                .field(
                    "Previous key id",
                    e.previousKeyId() == null
                        ? "none (first rotation)"
                        : Mrkdwn.code(e.previousKeyId()))
                .field("Stages", stages(plan));
        c.changeRequestUrl = e.changeRequestUrl();
        return c;
      }
      case MANIFEST_APPROVED -> {
        ManifestApproved e = (ManifestApproved) data;
        return new Content(
                e.forced() ? "Change approved (forced)" : "Change approved",
                "The change that rotates "
                    + target
                    + " was approved and merged; the first stage may start.")
            .field("Approvers", people(e.approvers()))
            .field("Merge commit", Mrkdwn.code(shortCommit(e.mergeCommit())))
            .fingerprint(e.fingerprint())
            .field("Stages", stages(e.plan()));
      }
      case MANIFEST_ROLLED_BACK -> {
        ManifestRolledBack e = (ManifestRolledBack) data;
        return new Content(
                "Rollback committed",
                "The old key of "
                    + target
                    + " is primary again in Git; "
                    + (e.clusters().isEmpty()
                        ? "no cluster had started the rotation, so none rolls back."
                        : "the clusters roll back."))
            .field("Clusters", e.clusters().isEmpty() ? "none" : clusters(e.clusters()))
            .field("Rollback commit", Mrkdwn.code(shortCommit(e.rollbackCommit())))
            .detail(e.cause());
      }
      case ROLLOUT_WAITING -> {
        RolloutWaiting e = (RolloutWaiting) data;
        return new Content(
                "Stage waiting for its maintenance window",
                "The rollout of "
                    + target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " starts when its window opens, "
                    + Mrkdwn.time(e.startsAt())
                    + ".")
            .stage(e.cluster(), e.phase())
            .field("Starts", Mrkdwn.time(e.startsAt()));
      }
      case ROLLOUT_STARTED -> {
        RolloutStarted e = (RolloutStarted) data;
        return new Content(
                "Rollout started",
                "Applying and restarting " + target + " on " + Mrkdwn.code(e.cluster()) + ".")
            .stage(e.cluster(), e.phase())
            .field("Commit", Mrkdwn.code(shortCommit(e.commit())));
      }
      case ROLLOUT_COMPLETED -> {
        RolloutCompleted e = (RolloutCompleted) data;
        return new Content(
                "Rollout completed",
                "Every Deployment of "
                    + target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " runs with the "
                    + e.phase().id()
                    + " keyring.")
            .stage(e.cluster(), e.phase())
            .fingerprint(e.observedFingerprint())
            .field("Primary key id", Mrkdwn.code(e.observedPrimaryKeyId()))
            .field("Pods", Integer.toString(e.pods().size()));
      }
      case ROLLOUT_FAILED -> {
        RolloutFailed e = (RolloutFailed) data;
        return new Content(
                "Rollout failed",
                "The rollout of "
                    + target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " failed; Rotor rolls back.")
            .stage(e.cluster(), e.phase())
            .reason(e.reason())
            .detail(e.message());
      }
      case ROLLBACK_COMPLETED -> {
        RollbackCompleted e = (RollbackCompleted) data;
        return new Content(
                "Rollback completed",
                target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " is back on its old primary key; the new key stays decrypt-only.")
            .stage(e.cluster(), null)
            .field("Primary key id", Mrkdwn.code(e.observedPrimaryKeyId()))
            .field("Pods", Integer.toString(e.pods().size()));
      }
      case ROLLBACK_FAILED -> {
        RollbackFailed e = (RollbackFailed) data;
        return new Content(
                "Rollback failed: act now",
                "The rollback of "
                    + target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " failed. The cluster may run with the new key as primary.")
            .stage(e.cluster(), null)
            .reason(e.reason())
            .detail(e.message());
      }
      case VERIFICATION_STARTED -> {
        VerificationStarted e = (VerificationStarted) data;
        return new Content(
                "Soak started",
                "Watching "
                    + target
                    + " on "
                    + Mrkdwn.code(e.cluster())
                    + " until "
                    + Mrkdwn.time(e.soakEndsAt())
                    + ".")
            .stage(e.cluster(), null)
            .field("Soak ends", Mrkdwn.time(e.soakEndsAt()));
      }
      case VERIFICATION_PASSED -> {
        VerificationPassed e = (VerificationPassed) data;
        Content c =
            new Content(
                    "Stage passed verification",
                    target
                        + " on "
                        + Mrkdwn.code(e.cluster())
                        + " stayed healthy through its soak.")
                .stage(e.cluster(), null);
        evidence(c, e.evidence());
        return c;
      }
      case VERIFICATION_FAILED -> {
        VerificationFailed e = (VerificationFailed) data;
        Content c =
            new Content(
                    "Stage failed verification",
                    target + " degraded on " + Mrkdwn.code(e.cluster()) + "; Rotor rolls back.")
                .stage(e.cluster(), null)
                .reason(e.reason())
                .detail(e.message());
        evidence(c, e.evidence());
        return c;
      }
      case VERIFICATION_INCONCLUSIVE -> {
        VerificationInconclusive e = (VerificationInconclusive) data;
        Content c =
            new Content(
                    "Verification inconclusive: a person decides",
                    "Rotor could not tell whether "
                        + target
                        + " is healthy on "
                        + Mrkdwn.code(e.cluster())
                        + ". Promotion holds until someone runs `rotorctl promote --force` or"
                        + " `rotorctl rollback`.")
                .stage(e.cluster(), null)
                .detail(e.message());
        evidence(c, e.evidence());
        return c;
      }
      case ROTATION_COMPLETED -> {
        RotationCompleted e = (RotationCompleted) data;
        return new Content("Rotation completed", target + " runs with its new key in every stage.")
            .fingerprint(e.fingerprint())
            .field("Fingerprint", Mrkdwn.code(e.fingerprint()))
            .field(
                "Previous fingerprint",
                e.previousFingerprint() == null ? "unknown" : Mrkdwn.code(e.previousFingerprint()))
            .field("Requested by", Mrkdwn.line(e.requestedBy(), 200))
            .field("Approvers", people(e.approvers()))
            .field("Commit", Mrkdwn.code(shortCommit(e.commit())))
            .field("Verdicts", verdicts(e.verdicts()));
      }
      case ROTATION_ROLLED_BACK -> {
        RotationRolledBack e = (RotationRolledBack) data;
        return new Content(
                "Rotation rolled back",
                target
                    + " is back on its old primary key wherever the rotation had reached, and the"
                    + " rollback is verified.")
            .field("Clusters", e.clusters().isEmpty() ? "none" : clusters(e.clusters()))
            .field("Rollback commit", Mrkdwn.code(shortCommit(e.commit())))
            .detail(e.cause());
      }
      case ROTATION_FAILED -> {
        RotationFailed e = (RotationFailed) data;
        return new Content(
                "Rotation failed", "The rotation of " + target + " ended without completing.")
            .reason(e.reason())
            .detail(e.message());
      }
      case LEDGER_CHECKPOINT -> {
        LedgerCheckpoint e = (LedgerCheckpoint) data;
        return new Content("Ledger checkpoint", "The ledger signed its state.")
            .field("Log", Mrkdwn.code(e.origin()))
            .field("Entries", Long.toString(e.treeSize()))
            .field("Root hash", Mrkdwn.code(e.rootHash()))
            .field("Issued", Mrkdwn.time(e.issuedAt()));
      }
      case ROTATION_APPROVED -> {
        RotationApproved e = (RotationApproved) data;
        return new Content(
                e.force() ? "Promotion forced" : "Rotation approved",
                Mrkdwn.line(e.approver(), 200)
                    + (e.force()
                        ? " promotes " + target + " past an inconclusive verdict."
                        : " approved the rotation of " + target + "."))
            .field("By", Mrkdwn.line(e.approver(), 200))
            .detail(e.comment());
      }
      case ROTATION_REVIEW_REJECTED -> {
        RotationReviewRejected e = (RotationReviewRejected) data;
        return new Content(
                "Change rejected in review",
                Mrkdwn.line(e.reviewer(), 200)
                    + " rejected the change that rotates "
                    + target
                    + ".")
            .field("Reviewer", Mrkdwn.line(e.reviewer(), 200))
            .detail(e.comment());
      }
      case ROTATION_ROLLBACK_REQUESTED -> {
        RotationRollbackRequested e = (RotationRollbackRequested) data;
        return new Content(
                "Rollback requested",
                Mrkdwn.line(e.requestedBy(), 200)
                    + " asked to roll back the rotation of "
                    + target
                    + ".")
            .field("Requested by", Mrkdwn.line(e.requestedBy(), 200))
            .detail(e.reason());
      }
      default -> throw new IllegalStateException("no message for " + data.type());
    }
  }

  private static void evidence(Content content, List<Evidence> evidence) {
    evidence.stream()
        .limit(EVIDENCE_MAX)
        .forEach(
            e -> {
              StringBuilder line =
                  new StringBuilder("• ").append(Mrkdwn.code(e.check())).append(": ");
              line.append(e.value() == null ? "no data" : number(e.value()));
              List<String> bounds = new ArrayList<>();
              if (e.threshold() != null) {
                bounds.add("threshold " + number(e.threshold()));
              }
              if (e.baseline() != null) {
                bounds.add("baseline " + number(e.baseline()));
              }
              if (!bounds.isEmpty()) {
                line.append(" (").append(String.join(", ", bounds)).append(")");
              }
              if (e.detail() != null && !e.detail().isBlank()) {
                line.append(": ").append(Mrkdwn.line(e.detail(), 300));
              }
              content.lines.add(line.toString());
            });
    if (evidence.size() > EVIDENCE_MAX) {
      content.lines.add("• … and " + (evidence.size() - EVIDENCE_MAX) + " more");
    }
  }

  private static String number(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return Double.toString(value);
    }
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private static String who(String person) {
    return person == null || person.isBlank() ? "Someone" : Mrkdwn.line(person, 200);
  }

  private static String people(List<String> people) {
    return people.isEmpty()
        ? "none"
        : Mrkdwn.truncate(
            people.stream().map(p -> Mrkdwn.line(p, 200)).collect(Collectors.joining(", ")),
            FIELD_MAX - 50);
  }

  private static String clusters(List<String> clusters) {
    return Mrkdwn.truncate(
        clusters.stream().map(Mrkdwn::code).collect(Collectors.joining(" → ")), FIELD_MAX - 50);
  }

  private static String stages(Plan plan) {
    return clusters(plan.stages().stream().map(Stage::cluster).toList());
  }

  private static String approvals(Plan plan) {
    int required = plan.approvals().required();
    String count = required == 1 ? "1 approval" : required + " approvals";
    if (plan.approvals().teams().isEmpty()) {
      return count;
    }
    return count
        + " from "
        + plan.approvals().teams().stream().map(Mrkdwn::code).collect(Collectors.joining(", "));
  }

  private static String verdicts(List<StageVerdict> verdicts) {
    return Mrkdwn.truncate(
        verdicts.stream()
            .map(v -> Mrkdwn.code(v.cluster()) + " " + v.verdict().name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", ")),
        FIELD_MAX - 50);
  }

  private static String shortCommit(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }
}
