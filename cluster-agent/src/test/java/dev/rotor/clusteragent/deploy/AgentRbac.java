package dev.rotor.clusteragent.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.testsupport.kubernetes.ApiRequest;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the cluster-agent's RBAC must be for a policy, and whether a request is allowed by it: the
 * least privilege the agent needs, written once so that the manifests in {@code
 * deploy/k8s/cluster-agent} and the requests the agent really makes are held to the same rules.
 */
public final class AgentRbac {
  public static final String STATE_CONFIG_MAP = "rotor-cluster-agent-state";

  private AgentRbac() {}

  /** The rules of the Role in the agent's own namespace. */
  public static List<PolicyRule> stateRules() {
    return List.of(rule("", "configmaps", List.of(STATE_CONFIG_MAP), "get", "patch"));
  }

  /**
   * The rules of the Role in each namespace with a target that has a stage on {@code cluster}: the
   * targets' Secrets (and SealedSecrets), the Deployments their stages restart, their pods and pod
   * logs.
   */
  public static Map<String, List<PolicyRule>> targetRules(Policy policy, String cluster) {
    Map<String, TreeSet<String>> secrets = new TreeMap<>();
    Map<String, TreeSet<String>> sealed = new TreeMap<>();
    Map<String, TreeSet<String>> deployments = new TreeMap<>();
    for (PolicyTarget target : policy.targets()) {
      Plan plan = target.plan();
      int stage = plan.stageIndexOf(cluster);
      if (stage < 0) {
        continue;
      }
      secrets.computeIfAbsent(plan.namespace(), n -> new TreeSet<>()).add(plan.secretName());
      if (plan.manifest().format() == ManifestFormat.SEALED_SECRET) {
        sealed.computeIfAbsent(plan.namespace(), n -> new TreeSet<>()).add(plan.secretName());
      }
      deployments
          .computeIfAbsent(plan.namespace(), n -> new TreeSet<>())
          .addAll(plan.stages().get(stage).deployments());
    }
    Map<String, List<PolicyRule>> roles = new TreeMap<>();
    for (String namespace : secrets.keySet()) {
      List<PolicyRule> rules = new ArrayList<>();
      rules.add(rule("", "secrets", List.copyOf(secrets.get(namespace)), "get", "patch", "watch"));
      // The sealed-secrets rule is granted for every target Secret name: a target may move to
      // format sealed-secret without an RBAC change; the names are the same.
      rules.add(
          rule(
              "bitnami.com",
              "sealedsecrets",
              List.copyOf(secrets.get(namespace)),
              "get",
              "patch",
              "watch"));
      rules.add(
          rule(
              "apps",
              "deployments",
              List.copyOf(deployments.get(namespace)),
              "get",
              "patch",
              "watch"));
      rules.add(rule("", "pods", List.of(), "list", "watch"));
      rules.add(rule("", "pods/log", List.of(), "get"));
      roles.put(namespace, rules);
    }
    return roles;
  }

  /** One access as RBAC sees it. */
  public record Access(
      String namespace, String verb, String apiGroup, String resource, String name) {}

  /**
   * The access a request needs, or empty for a request that is not about a namespaced resource
   * ({@code /version}, discovery).
   */
  public static Optional<Access> of(ApiRequest request) {
    String[] segments = request.path().substring(1).split("/");
    int start;
    String group;
    if (segments.length > 2 && segments[0].equals("api")) {
      start = 2;
      group = "";
    } else if (segments.length > 3 && segments[0].equals("apis")) {
      start = 3;
      group = segments[1];
    } else {
      return Optional.empty();
    }
    if (segments.length < start + 3 || !segments[start].equals("namespaces")) {
      return Optional.empty();
    }
    String namespace = segments[start + 1];
    String resource = segments[start + 2];
    String name = segments.length > start + 3 ? segments[start + 3] : null;
    if (segments.length > start + 4) {
      resource = resource + "/" + segments[start + 4];
    }
    Map<String, String> query = query(request.query());
    boolean watch = "true".equals(query.get("watch"));
    String fieldSelector = query.getOrDefault("fieldSelector", "");
    if (name == null && fieldSelector.startsWith("metadata.name=")) {
      name = fieldSelector.substring("metadata.name=".length());
    }
    String verb =
        switch (request.method()) {
          case "GET" -> watch ? "watch" : segments.length > start + 3 ? "get" : "list";
          case "PATCH" -> "patch";
          case "PUT" -> "update";
          case "POST" -> "create";
          case "DELETE" -> segments.length > start + 3 ? "delete" : "deletecollection";
          default -> request.method().toLowerCase(java.util.Locale.ROOT);
        };
    return Optional.of(new Access(namespace, verb, group, resource, name));
  }

  /** Whether {@code rules} allow {@code access}. */
  public static boolean allows(List<PolicyRule> rules, Access access) {
    return rules.stream()
        .anyMatch(
            rule ->
                rule.getApiGroups().contains(access.apiGroup())
                    && rule.getResources().contains(access.resource())
                    && rule.getVerbs().contains(access.verb())
                    && (rule.getResourceNames() == null
                        || rule.getResourceNames().isEmpty()
                        || (access.name() != null
                            && rule.getResourceNames().contains(access.name()))));
  }

  private static PolicyRule rule(
      String group, String resource, List<String> names, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resource)
        .withResourceNames(names)
        .withVerbs(verbs)
        .build();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new TreeMap<>();
    for (String pair : raw == null ? new String[0] : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        query.put(
            URLDecoder.decode(pair.substring(0, eq), UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), UTF_8));
      }
    }
    return query;
  }
}
