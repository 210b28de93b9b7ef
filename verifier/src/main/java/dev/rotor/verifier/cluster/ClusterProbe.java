package dev.rotor.verifier.cluster;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.verifier.Texts;
import dev.rotor.verifier.cluster.ProofResult.Pod;
import dev.rotor.verifier.cluster.ProofResult.Restart;
import dev.rotor.verifier.cluster.ProofResult.State;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.Loggable;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the proof of a rollout back from a cluster: the keyring in the Secret and the pods of the
 * Deployments, and the new pods' logs. An acknowledged API call is not proof; what the API server
 * holds now is.
 *
 * <p>The Secret is read only to compute fingerprints: no data value leaves this class, in a result,
 * a message or an exception; only key ids and fingerprints do.
 */
public final class ClusterProbe {
  private static final Pattern LONG_BASE64 = Pattern.compile("[A-Za-z0-9+/]{40,}={0,2}");

  /** What a quote shows for a control character (and what UTF-8 decoding shows for a bad byte). */
  static final char UNPRINTABLE = '\uFFFD';

  private ClusterProbe() {}

  /** The Secret's keyring and the Deployments' pods, checked against {@code spec}. */
  public static ProofResult prove(KubernetesClient client, ProofSpec spec, Duration clockSkew) {
    SecretFindings secret = readSecret(client, spec);
    List<Pod> pods = new ArrayList<>();
    State podsState = State.OK;
    List<String> problems = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (String deployment : spec.deployments()) {
      try {
        List<Pod> found =
            podsOf(client, spec.namespace(), deployment, spec.secretChangedAt(), clockSkew);
        if (found == null) {
          problems.add("Deployment " + deployment + " does not exist");
          podsState = worse(podsState, State.UNREADABLE);
          continue;
        }
        if (found.isEmpty()) {
          problems.add("Deployment " + deployment + " has no pods");
          podsState = worse(podsState, State.UNREADABLE);
        }
        pods.addAll(found);
        found.stream()
            .filter(Pod::stale)
            .forEach(pod -> stale.add(pod.name() + " (started " + pod.startedAt() + ")"));
      } catch (KubernetesClientException e) {
        problems.add("cannot list the pods of " + deployment + ": " + describe(e));
        podsState = worse(podsState, State.UNREADABLE);
      }
    }
    String podsDetail;
    if (spec.secretChangedAt() == null) {
      podsState = worse(podsState, State.UNREADABLE);
      problems.add("the time the Secret changed is unknown");
    }
    if (!stale.isEmpty()) {
      podsState = State.WRONG;
      podsDetail =
          stale.size()
              + " pod(s) started before the Secret changed at "
              + spec.secretChangedAt()
              + " and still run with the old keyring: "
              + Texts.listed(stale, ", ", "stale pod(s)");
    } else if (!problems.isEmpty()) {
      podsDetail = Texts.listed(problems, "; ", "problem(s)");
    } else {
      podsDetail =
          pods.size()
              + " pod(s) of "
              + String.join(", ", spec.deployments())
              + " all started after the Secret changed at "
              + spec.secretChangedAt()
              + ": "
              + Texts.listed(pods.stream().map(Pod::name).toList(), ", ", "pod(s)");
    }
    return new ProofResult(
        secret.state,
        secret.detail,
        secret.primaryKeyId,
        secret.primaryFingerprint,
        secret.previousFingerprint,
        pods,
        podsState,
        podsDetail);
  }

  /**
   * Each pod's log (every container, from its start), matched against the patterns. Lines quoted in
   * the result are cut to {@code maxLineLength} characters, and anything that looks like a base64
   * key is masked.
   *
   * <p>A container that restarted also has its previous instance's log read ({@code
   * previous=true}): a container that crashed logged why there, not in its new instance's log.
   * Lines from it are quoted marked {@code [previous container <name>]}. The API server keeps only
   * the last terminated instance; when it has none to give (HTTP 400), or refuses, that is noted in
   * {@link PodLogs#previousUnread()} and the pod's log still counts as read: the restart itself is
   * judged from the container's status.
   */
  public static List<PodLogs> readLogs(
      KubernetesClient client,
      String namespace,
      List<Pod> pods,
      List<Pattern> required,
      List<Pattern> forbidden,
      long limitBytes,
      int maxLineLength) {
    List<PodLogs> result = new ArrayList<>();
    for (Pod pod : pods) {
      Map<String, String> requiredFound = new LinkedHashMap<>();
      Map<String, String> forbiddenFound = new LinkedHashMap<>();
      Map<String, String> previousUnread = new LinkedHashMap<>();
      String problem = null;
      try {
        boolean named = pod.containers().size() > 1;
        List<String> containers =
            named ? pod.containers() : java.util.Collections.singletonList(null);
        for (String container : containers) {
          String log =
              ApiCalls.read(() -> log(client, namespace, pod.name(), container, false, limitBytes));
          match(log, required, requiredFound, maxLineLength, "");
          match(log, forbidden, forbiddenFound, maxLineLength, "");
        }
        for (Restart restart : pod.restarts()) {
          String container = named ? restart.container() : null;
          String marker = "[previous container " + restart.container() + "] ";
          try {
            String log =
                ApiCalls.read(
                    () -> log(client, namespace, pod.name(), container, true, limitBytes));
            match(log, required, requiredFound, maxLineLength, marker);
            match(log, forbidden, forbiddenFound, maxLineLength, marker);
          } catch (KubernetesClientException e) {
            previousUnread.put(restart.container(), describe(e));
          }
        }
      } catch (KubernetesClientException e) {
        problem =
            e.getCode() == 404
                ? "pod " + pod.name() + " no longer exists"
                : "cannot read the log of " + pod.name() + ": " + describe(e);
      }
      result.add(
          new PodLogs(
              pod.deployment(),
              pod.name(),
              problem == null,
              problem,
              requiredFound,
              forbiddenFound,
              previousUnread));
    }
    return result;
  }

  /**
   * The log of a container from its start, at most {@code limitBytes} (read as a stream and cut
   * here, so that any API server, or proxy, serves it); with {@code previous}, the log of its
   * previous, terminated instance. It does not wait for the pod to be ready: a pod that never gets
   * ready has logged why, and that is evidence too.
   */
  private static String log(
      KubernetesClient client,
      String namespace,
      String pod,
      String container,
      boolean previous,
      long limitBytes) {
    PodResource resource = client.pods().inNamespace(namespace).withName(pod);
    ContainerResource target =
        (container == null ? resource : resource.inContainer(container)).withReadyWaitTimeout(0);
    Loggable loggable = previous ? target.terminated() : target;
    try (InputStream in = loggable.getLogInputStream()) {
      if (in == null) {
        return "";
      }
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limitBytes));
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new KubernetesClientException(
          "cannot read the log: " + e.getClass().getSimpleName(), e);
    }
  }

  private static void match(
      String log,
      List<Pattern> patterns,
      Map<String, String> found,
      int maxLineLength,
      String marker) {
    if (patterns.isEmpty() || log.isEmpty()) {
      return;
    }
    for (String line : log.split("\r?\n")) {
      for (Pattern pattern : patterns) {
        if (!found.containsKey(pattern.pattern()) && pattern.matcher(line).find()) {
          found.put(pattern.pattern(), marker + quote(line, maxLineLength));
        }
      }
      if (found.size() == patterns.size()) {
        return;
      }
    }
  }

  /**
   * A log line as evidence may quote it: control characters replaced, base64 runs masked, cut to
   * {@code max} characters.
   *
   * <p>Every control character but the tab becomes {@link #UNPRINTABLE}, as an undecodable byte
   * already did: a workload decrypting with the wrong key may log the garbage it got, NUL included,
   * and the quote goes into the soak's row and the verdict's event, where PostgreSQL refuses a NUL
   * in text and the event codec refuses one in an event. The cut never splits a surrogate pair.
   */
  static String quote(String line, int max) {
    return Texts.cut(LONG_BASE64.matcher(printable(line.strip())).replaceAll("[masked]"), max);
  }

  private static String printable(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t') {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append(UNPRINTABLE);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static SecretFindings readSecret(KubernetesClient client, ProofSpec spec) {
    String name = spec.namespace() + "/" + spec.secretName();
    Secret secret;
    try {
      secret =
          ApiCalls.read(
              () ->
                  client.secrets().inNamespace(spec.namespace()).withName(spec.secretName()).get());
    } catch (KubernetesClientException e) {
      return SecretFindings.unreadable("cannot read Secret " + name + ": " + describe(e));
    }
    if (secret == null) {
      return SecretFindings.wrong("Secret " + name + " does not exist", null, null, null);
    }
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    String primaryEntry = data.get(KeyringLayout.PRIMARY_DATA_KEY);
    if (primaryEntry == null) {
      return SecretFindings.wrong(
          "Secret " + name + " has no " + KeyringLayout.PRIMARY_DATA_KEY + " entry",
          null,
          null,
          null);
    }
    String primary;
    try {
      primary =
          new String(Base64.getDecoder().decode(primaryEntry.strip()), StandardCharsets.US_ASCII)
              .strip();
    } catch (IllegalArgumentException e) {
      return SecretFindings.wrong(
          "Secret " + name + ": " + KeyringLayout.PRIMARY_DATA_KEY + " is not base64",
          null,
          null,
          null);
    }
    if (!Fingerprints.isKeyId(primary)) {
      return SecretFindings.wrong(
          "Secret " + name + ": " + KeyringLayout.PRIMARY_DATA_KEY + " is not a key id",
          null,
          null,
          null);
    }
    String primaryFingerprint = fingerprintOf(data, primary);
    String previousFingerprint =
        spec.previousKeyId() == null ? null : fingerprintOf(data, spec.previousKeyId());
    if (previousFingerprint != null && !previousFingerprint.startsWith(spec.previousKeyId())) {
      previousFingerprint = null;
    }
    long keys =
        data.keySet().stream().filter(k -> KeyringLayout.keyIdOfDataKey(k).isPresent()).count();
    if (!primary.equals(spec.expectedPrimaryKeyId())) {
      return SecretFindings.wrong(
          "Secret "
              + name
              + ": keyring.primary names "
              + primary
              + ", expected "
              + spec.expectedPrimaryKeyId(),
          primary,
          primaryFingerprint,
          previousFingerprint);
    }
    if (primaryFingerprint == null) {
      return SecretFindings.wrong(
          "Secret "
              + name
              + " has no "
              + KeyringLayout.dataKeyOf(primary)
              + " entry for its primary",
          primary,
          null,
          previousFingerprint);
    }
    if (!primaryFingerprint.startsWith(primary)) {
      return SecretFindings.wrong(
          "Secret "
              + name
              + ": "
              + KeyringLayout.dataKeyOf(primary)
              + " holds a key with fingerprint "
              + primaryFingerprint
              + ", which is not key "
              + primary,
          primary,
          primaryFingerprint,
          previousFingerprint);
    }
    if (spec.expectedPrimaryFingerprint() != null
        && !primaryFingerprint.equals(spec.expectedPrimaryFingerprint())) {
      return SecretFindings.wrong(
          "Secret "
              + name
              + ": the primary key has fingerprint "
              + primaryFingerprint
              + ", expected "
              + spec.expectedPrimaryFingerprint(),
          primary,
          primaryFingerprint,
          previousFingerprint);
    }
    if (spec.retainedKeyId() != null
        && !data.containsKey(KeyringLayout.dataKeyOf(spec.retainedKeyId()))) {
      return SecretFindings.wrong(
          "Secret "
              + name
              + ": key "
              + spec.retainedKeyId()
              + " is no longer in the ring, so what it encrypted cannot be read",
          primary,
          primaryFingerprint,
          previousFingerprint);
    }
    return new SecretFindings(
        State.OK,
        "Secret "
            + name
            + " holds primary key "
            + primary
            + " with fingerprint "
            + primaryFingerprint
            + ", "
            + keys
            + " key(s) in the ring"
            + (spec.retainedKeyId() == null ? "" : ", key " + spec.retainedKeyId() + " kept"),
        primary,
        primaryFingerprint,
        previousFingerprint);
  }

  /**
   * The fingerprint of the ring's entry for {@code keyId}, or null. The value itself stays here.
   */
  private static String fingerprintOf(Map<String, String> data, String keyId) {
    String entry = data.get(KeyringLayout.dataKeyOf(keyId));
    return entry == null ? null : Fingerprints.ofBase64(entry.strip());
  }

  /** The pods of a Deployment, or null when it does not exist. */
  private static List<Pod> podsOf(
      KubernetesClient client,
      String namespace,
      String deployment,
      Instant secretChangedAt,
      Duration clockSkew) {
    Deployment found =
        client.apps().deployments().inNamespace(namespace).withName(deployment).get();
    if (found == null) {
      return null;
    }
    LabelSelector selector = found.getSpec() == null ? null : found.getSpec().getSelector();
    if (selector == null
        || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
            && (selector.getMatchExpressions() == null
                || selector.getMatchExpressions().isEmpty()))) {
      return List.of();
    }
    var pods = client.pods().inNamespace(namespace);
    var items =
        ApiCalls.read(
            () ->
                (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
                    ? pods.withLabels(selector.getMatchLabels()).list().getItems()
                    : pods.withLabelSelector(selector).list().getItems());
    List<Pod> result = new ArrayList<>();
    for (var pod : items) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        continue;
      }
      Instant startedAt = pod.getStatus() == null ? null : parse(pod.getStatus().getStartTime());
      boolean stale =
          startedAt != null
              && secretChangedAt != null
              && startedAt.isBefore(secretChangedAt.minus(clockSkew));
      List<String> containers =
          pod.getSpec() == null || pod.getSpec().getContainers() == null
              ? List.of()
              : pod.getSpec().getContainers().stream().map(Container::getName).toList();
      result.add(
          new Pod(
              deployment,
              pod.getMetadata().getName(),
              startedAt,
              stale,
              containers,
              // Restarts count only when the pod is known to have started after the Secret
              // changed: else they may precede the rotation.
              stale || secretChangedAt == null || startedAt == null ? List.of() : restartsOf(pod)));
    }
    return result;
  }

  /**
   * The pod's containers that restarted, from their statuses in the listing (no further API call).
   * The termination message is left out: a crashing workload may write anything there.
   */
  private static List<Restart> restartsOf(io.fabric8.kubernetes.api.model.Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return List.of();
    }
    List<Restart> restarts = new ArrayList<>();
    for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      int count = status.getRestartCount() == null ? 0 : status.getRestartCount();
      if (count <= 0 || status.getName() == null) {
        continue;
      }
      ContainerStateTerminated last =
          status.getLastState() == null ? null : status.getLastState().getTerminated();
      restarts.add(
          new Restart(
              status.getName(),
              count,
              last == null || last.getReason() == null ? null : quote(last.getReason(), 64),
              last == null ? null : last.getExitCode(),
              last == null ? null : parse(last.getFinishedAt())));
    }
    return restarts;
  }

  private static Instant parse(String time) {
    if (time == null) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static State worse(State a, State b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }

  /** An API error in words: the status code and the server's reason, never a response body. */
  static String describe(KubernetesClientException e) {
    if (e.getCode() == 403) {
      return "forbidden (HTTP 403): the verifier's account needs get/list on this resource";
    }
    if (e.getCode() == 401) {
      return "unauthorized (HTTP 401): check the cluster's token";
    }
    if (e.getCode() > 0) {
      return "HTTP "
          + e.getCode()
          + (e.getStatus() == null || e.getStatus().getReason() == null
              ? ""
              : " " + e.getStatus().getReason());
    }
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return "API server unreachable (" + cause.getClass().getSimpleName() + ")";
  }

  private record SecretFindings(
      State state,
      String detail,
      String primaryKeyId,
      String primaryFingerprint,
      String previousFingerprint) {
    static SecretFindings unreadable(String detail) {
      return new SecretFindings(State.UNREADABLE, detail, null, null, null);
    }

    static SecretFindings wrong(
        String detail, String primary, String fingerprint, String previousFingerprint) {
      return new SecretFindings(State.WRONG, detail, primary, fingerprint, previousFingerprint);
    }
  }
}
