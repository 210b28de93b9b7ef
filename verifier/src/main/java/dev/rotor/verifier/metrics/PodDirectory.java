package dev.rotor.verifier.metrics;

import java.net.URI;
import java.util.List;

/** Finds the metrics endpoints of a Deployment's running pods (from the cluster's API). */
public interface PodDirectory {

  /** A pod's metrics endpoint. */
  record Endpoint(String pod, String uid, URI url) {}

  /**
   * The endpoints of the running, not terminating pods of {@code deployment}.
   *
   * @throws RuntimeException when the cluster's API cannot be read
   */
  List<Endpoint> endpoints(String namespace, String deployment);
}
