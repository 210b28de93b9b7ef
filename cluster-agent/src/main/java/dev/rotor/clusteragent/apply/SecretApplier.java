package dev.rotor.clusteragent.apply;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.kubernetes.ApiErrors;
import dev.rotor.clusteragent.kubernetes.ChangeSignal;
import dev.rotor.clusteragent.kubernetes.KubernetesCalls;
import dev.rotor.clusteragent.work.Deadline;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.ServerSideApplicable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Applies the target's manifest with server-side apply (field manager {@code rotor}) and reads the
 * Secret back until it holds what the phase needs, woken by a watch of the Secret as soon as it
 * changes. A conflict with another field manager fails with APPLY_CONFLICT rather than overwrite a
 * change made outside Git, except for the managers {@code kubectl apply} leaves on Secrets created
 * by hand ({@code rotor.cluster-agent.apply.force-conflicts-with}), whose fields the agent takes
 * over.
 */
@ApplicationScoped
public class SecretApplier {
  private static final Logger LOG = Logger.getLogger(SecretApplier.class);
  private static final Pattern CONFLICT_MANAGER = Pattern.compile("conflict with \"([^\"]+)\"");

  /** Core Secrets, addressed without discovery. */
  public static final ResourceDefinitionContext SECRETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("")
          .withVersion("v1")
          .withPlural("secrets")
          .withKind("Secret")
          .withNamespaced(true)
          .build();

  /** Bitnami SealedSecrets, addressed without discovery. */
  public static final ResourceDefinitionContext SEALED_SECRETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("bitnami.com")
          .withVersion("v1alpha1")
          .withPlural("sealedsecrets")
          .withKind("SealedSecret")
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final KubernetesCalls calls;
  private final ClusterAgentConfig config;
  private final MeterRegistry registry;

  SecretApplier(
      KubernetesClient client,
      KubernetesCalls calls,
      ClusterAgentConfig config,
      MeterRegistry registry) {
    this.client = client;
    this.calls = calls;
    this.config = config;
    this.registry = registry;
  }

  /**
   * Applies {@code document} and returns the generation of the applied object.
   *
   * @throws RolloutFailure FORBIDDEN, NOT_FOUND, APPLY_CONFLICT, or TIMEOUT when the API stays
   *     unavailable until {@code deadline}
   */
  public long apply(Plan plan, ManifestDocument document, Deadline deadline) {
    ResourceDefinitionContext context =
        document.format() == ManifestFormat.SECRET ? SECRETS : SEALED_SECRETS;
    GenericKubernetesResource resource =
        client
            .getKubernetesSerialization()
            .convertValue(document.body(), GenericKubernetesResource.class);
    String what =
        "server-side apply of "
            + context.getKind()
            + " "
            + plan.namespace()
            + "/"
            + document.name();
    GenericKubernetesResource applied =
        calls.call(
            what,
            deadline,
            () -> {
              try {
                return apply(context, resource, false);
              } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                  throw e;
                }
                Conflicts conflicts = Conflicts.of(e);
                Set<String> others = new LinkedHashSet<>(conflicts.managers());
                others.removeAll(config.apply().forceConflictsWith());
                if (conflicts.managers().isEmpty() || !others.isEmpty()) {
                  throw new RolloutFailure(
                      Reasons.Rollout.APPLY_CONFLICT,
                      what
                          + " conflicts with changes made outside Git by "
                          + (others.isEmpty() ? "another writer" : String.join(", ", others))
                          + (conflicts.fields().isEmpty()
                              ? ""
                              : " on " + String.join(", ", conflicts.fields()))
                          + ": the agent does not overwrite them. Bring the change into Git or"
                          + " remove that manager's fields, then roll back or retry ("
                          + ApiErrors.describe(e)
                          + ")");
                }
                LOG.warnf(
                    "ROTOR-3012 %s: taking over %s from %s (fields kubectl apply left)",
                    what, String.join(", ", conflicts.fields()), conflicts.managers());
                return apply(context, resource, true);
              }
            });
    Long generation = applied.getMetadata().getGeneration();
    LOG.infof(
        "ROTOR-3011 applied %s %s/%s (generation %s)",
        context.getKind(), plan.namespace(), document.name(), generation);
    return generation == null ? 0L : generation;
  }

  /**
   * Reads the Secret until {@code expectation} holds: again whenever a watch of the Secret (and of
   * its SealedSecret, whose status the controller updates) sees a change, and every {@code
   * rotor.cluster-agent.apply.poll-interval} whatever the watches say, so that a watch that is
   * closed, refused or silent costs at most one interval. A watch the server closes is opened
   * again.
   *
   * @throws RolloutFailure UNSEAL_TIMEOUT for a SealedSecret the controller did not turn into the
   *     expected Secret in time; APPLY_CONFLICT for a plain Secret that does not hold what was
   *     applied
   */
  public SecretObservation awaitSecret(
      Plan plan, ManifestFormat format, SecretExpectation expectation, Duration timeout) {
    Deadline deadline = Deadline.after(timeout);
    ChangeSignal signal = new ChangeSignal();
    SecretWatches watches = new SecretWatches(plan, format, signal);
    try {
      boolean readAfterOpening = false;
      while (true) {
        SecretObservation observed = observe(plan, format, deadline);
        if (expectation.isMetBy(observed)) {
          LOG.infof(
              "ROTOR-3013 Secret %s holds %s (primary %s)",
              plan.targetId(), expectation.describe(), observed.primaryKeyId());
          return observed;
        }
        if (deadline.expired()) {
          throw timeout(plan, format, expectation, observed, timeout);
        }
        // A watch (re)opened now does not report what changed before it: read once more first.
        if (watches.ensureOpen() && !readAfterOpening) {
          readAfterOpening = true;
          continue;
        }
        readAfterOpening = false;
        Duration poll = config.apply().pollInterval();
        signal.await(poll.compareTo(deadline.remaining()) < 0 ? poll : deadline.remaining());
      }
    } finally {
      watches.close();
    }
  }

  /** The Secret as it is now (null if absent), with the SealedSecret controller's report. */
  public SecretObservation observe(Plan plan, ManifestFormat format, Deadline deadline) {
    Secret secret =
        calls.call(
            "read Secret " + plan.targetId(),
            deadline,
            () -> client.secrets().inNamespace(plan.namespace()).withName(plan.secretName()).get());
    if (secret == null) {
      return null;
    }
    SecretObservation observed = SecretObservation.of(secret.getData());
    if (format != ManifestFormat.SEALED_SECRET) {
      return observed;
    }
    GenericKubernetesResource sealed =
        calls.call(
            "read SealedSecret " + plan.targetId(),
            deadline,
            () ->
                client
                    .genericKubernetesResources(SEALED_SECRETS)
                    .inNamespace(plan.namespace())
                    .withName(plan.secretName())
                    .get());
    if (sealed == null) {
      return observed;
    }
    Map<String, Object> status = map(sealed.getAdditionalProperties().get("status"));
    Long generation = status.get("observedGeneration") instanceof Number n ? n.longValue() : null;
    Boolean synced = null;
    String message = null;
    Object conditions = status.get("conditions");
    if (conditions instanceof List<?> list) {
      for (Object item : list) {
        Map<String, Object> condition = map(item);
        if ("Synced".equals(condition.get("type"))) {
          synced = "True".equals(condition.get("status"));
          message =
              condition.get("message") == null ? null : String.valueOf(condition.get("message"));
        }
      }
    }
    return observed.withSealedStatus(generation, synced, message);
  }

  private RolloutFailure timeout(
      Plan plan,
      ManifestFormat format,
      SecretExpectation expectation,
      SecretObservation observed,
      Duration timeout) {
    if (format == ManifestFormat.SEALED_SECRET) {
      String report;
      if (observed == null) {
        report = "the Secret does not exist";
      } else if (observed.sealedSynced() == null) {
        report = "the SealedSecret reports no status";
      } else {
        report =
            "the SealedSecret reports generation "
                + observed.sealedGeneration()
                + " of "
                + expectation.sealedGeneration()
                + ", Synced="
                + (observed.sealedSynced() ? "True" : "False")
                + (observed.sealedMessage() == null
                    ? ""
                    : ": " + ApiErrors.redact(observed.sealedMessage()));
      }
      return new RolloutFailure(
          Reasons.Rollout.UNSEAL_TIMEOUT,
          "the sealed-secrets controller did not write Secret "
              + plan.targetId()
              + " with "
              + expectation.describe()
              + " within "
              + timeout
              + " ("
              + report
              + "); is the controller running, and was the value sealed with this cluster's"
              + " certificate?");
    }
    return new RolloutFailure(
        Reasons.Rollout.APPLY_CONFLICT,
        "Secret "
            + plan.targetId()
            + " does not hold "
            + expectation.describe()
            + " "
            + timeout
            + " after the apply"
            + (observed == null ? " (it does not exist)" : "")
            + ": something else writes it");
  }

  private GenericKubernetesResource apply(
      ResourceDefinitionContext context, GenericKubernetesResource resource, boolean force) {
    ServerSideApplicable<GenericKubernetesResource> apply =
        client
            .genericKubernetesResources(context)
            .inNamespace(resource.getMetadata().getNamespace())
            .resource(resource)
            .fieldManager(config.apply().fieldManager());
    return force ? apply.forceConflicts().serverSideApply() : apply.serverSideApply();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /**
   * The watches of one wait for a Secret: the Secret, and for a SealedSecret also the SealedSecret
   * (its status). Each is a watch of one name ({@code fieldSelector=metadata.name}), opened again
   * when the server closes it; one that cannot be opened leaves the wait to the poll.
   */
  private final class SecretWatches {
    private final Plan plan;
    private final ChangeSignal signal;
    private final List<OneWatch<?>> watches = new ArrayList<>();

    SecretWatches(Plan plan, ManifestFormat format, ChangeSignal signal) {
      this.plan = plan;
      this.signal = signal;
      watches.add(
          new OneWatch<Secret>(
              "Secret",
              watcher ->
                  client
                      .secrets()
                      .inNamespace(plan.namespace())
                      .withName(plan.secretName())
                      .watch(watcher)));
      if (format == ManifestFormat.SEALED_SECRET) {
        watches.add(
            new OneWatch<GenericKubernetesResource>(
                "SealedSecret",
                watcher ->
                    client
                        .genericKubernetesResources(SEALED_SECRETS)
                        .inNamespace(plan.namespace())
                        .withName(plan.secretName())
                        .watch(watcher)));
      }
    }

    /** Opens what is not open; whether any watch was opened now. */
    boolean ensureOpen() {
      boolean opened = false;
      for (OneWatch<?> watch : watches) {
        opened |= watch.ensureOpen();
      }
      return opened;
    }

    void close() {
      watches.forEach(OneWatch::close);
    }

    private final class OneWatch<T> implements Watcher<T> {
      private final String kind;
      private final Function<Watcher<T>, Watch> opener;
      private final AtomicBoolean open = new AtomicBoolean();
      private Watch watch;
      private boolean everOpened;
      private boolean refused;

      OneWatch(String kind, Function<Watcher<T>, Watch> opener) {
        this.kind = kind;
        this.opener = opener;
      }

      boolean ensureOpen() {
        if (open.get()) {
          return false;
        }
        closeQuietly();
        try {
          watch = opener.apply(this);
        } catch (KubernetesClientException e) {
          if (!refused) {
            LOG.warnf(
                "ROTOR-3023 cannot watch %s %s, reading it every %s instead: %s",
                kind, plan.targetId(), config.apply().pollInterval(), ApiErrors.describe(e));
            refused = true;
          }
          return false;
        }
        open.set(true);
        if (everOpened) {
          registry.counter("rotor.cluster-agent.watch.resumed").increment();
          LOG.infof(
              "ROTOR-3023 the watch of %s %s was closed by the server: watching again",
              kind, plan.targetId());
        }
        everOpened = true;
        return true;
      }

      @Override
      public void eventReceived(Action action, T resource) {
        signal.fire();
      }

      @Override
      public void onClose(WatcherException cause) {
        open.set(false);
        signal.fire();
      }

      @Override
      public void onClose() {
        open.set(false);
      }

      void close() {
        open.set(false);
        closeQuietly();
      }

      private void closeQuietly() {
        if (watch != null) {
          try {
            watch.close();
          } catch (RuntimeException e) {
            LOG.debugf("closing a watch: %s", e.getMessage());
          }
          watch = null;
        }
      }
    }
  }

  /** The managers and fields of a server-side apply conflict, from its Status. */
  record Conflicts(List<String> managers, List<String> fields) {
    static Conflicts of(KubernetesClientException e) {
      Set<String> managers = new LinkedHashSet<>();
      List<String> fields = new ArrayList<>();
      if (e.getStatus() != null && e.getStatus().getDetails() != null) {
        for (StatusCause cause : e.getStatus().getDetails().getCauses()) {
          if (cause.getField() != null) {
            fields.add(cause.getField());
          }
          if (cause.getMessage() != null) {
            Matcher matcher = CONFLICT_MANAGER.matcher(cause.getMessage());
            if (matcher.find()) {
              managers.add(matcher.group(1));
            }
          }
        }
      }
      if (managers.isEmpty() && e.getStatus() != null && e.getStatus().getMessage() != null) {
        Matcher matcher = CONFLICT_MANAGER.matcher(e.getStatus().getMessage());
        while (matcher.find()) {
          managers.add(matcher.group(1));
        }
      }
      return new Conflicts(List.copyOf(managers), List.copyOf(fields));
    }
  }
}
