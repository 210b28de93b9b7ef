package dev.rotor.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} application a real Prometheus ({@link PrometheusServer}) and its URL
 * under the configuration key named by the init arg {@link #PROPERTY}:
 *
 * <pre>{@code
 * @WithTestResource(value = PrometheusResource.class, initArgs = {
 *     @ResourceArg(name = PrometheusResource.PROPERTY, value = "rotor.verifier.prometheus.url"),
 *     @ResourceArg(name = PrometheusResource.TARGETS, value = "127.0.0.1:8080/q/metrics")})
 * }</pre>
 *
 * <p>Without targets it scrapes nothing: every query of a workload's series is an empty result. The
 * server is stopped with the application.
 */
public class PrometheusResource implements QuarkusTestResourceLifecycleManager {
  /**
   * Init arg: the configuration key that gets Prometheus' URL ({@code http://127.0.0.1:<port>/}).
   */
  public static final String PROPERTY = "property";

  /** Init arg: comma-separated scrape targets, {@code host:port/path}. */
  public static final String TARGETS = "targets";

  private String property = "prometheus.url";
  private final List<PrometheusServer.Target> targets = new ArrayList<>();
  private PrometheusServer server;

  @Override
  public void init(Map<String, String> initArgs) {
    property = initArgs.getOrDefault(PROPERTY, property);
    for (String target : initArgs.getOrDefault(TARGETS, "").split(",")) {
      String trimmed = target.strip();
      if (!trimmed.isEmpty()) {
        int slash = trimmed.indexOf('/');
        targets.add(
            new PrometheusServer.Target(
                slash < 0 ? trimmed : trimmed.substring(0, slash),
                slash < 0 ? "/metrics" : trimmed.substring(slash),
                Map.of()));
      }
    }
  }

  @Override
  public Map<String, String> start() {
    server = PrometheusServer.start(targets);
    return Map.of(property, server.url().toString());
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(server, new TestInjector.MatchesType(PrometheusServer.class));
  }

  @Override
  public void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
