package dev.rotor.devstack;

import java.util.Map;

/**
 * Where the devstack's infrastructure serves, known once it is up.
 *
 * @param gitUrl the example GitOps repository's clone URL
 * @param clusterApis each cluster's Kubernetes API URL
 * @param clusterControls each cluster's control API port (load reports, the fault switch)
 * @param prometheus each cluster's Prometheus URL (empty without Prometheus)
 * @param slackApi the Slack stand-in's Web API base URL
 */
record Endpoints(
    String gitUrl,
    Map<String, String> clusterApis,
    Map<String, Integer> clusterControls,
    Map<String, String> prometheus,
    String slackApi) {}
