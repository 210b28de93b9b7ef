package dev.rotor.verifier.cluster;

import java.util.Map;

/**
 * What one pod's logs showed.
 *
 * @param deployment the pod's Deployment
 * @param pod the pod
 * @param readable whether its logs could be read
 * @param problem why not
 * @param required each required pattern that matched, with the first line that matched it
 * @param forbidden each forbidden pattern that matched, with the first line that matched it
 * @param previousUnread per restarted container whose previous instance's log could not be read,
 *     why not (the pod's log still counts as read: see {@link ClusterProbe#readLogs})
 */
public record PodLogs(
    String deployment,
    String pod,
    boolean readable,
    String problem,
    Map<String, String> required,
    Map<String, String> forbidden,
    Map<String, String> previousUnread) {
  public PodLogs {
    required = Map.copyOf(required);
    forbidden = Map.copyOf(forbidden);
    previousUnread = Map.copyOf(previousUnread);
  }
}
