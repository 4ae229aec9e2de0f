package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;

/**
 * A node a coordinator sends a key's replica traffic to: a primary of the key's preference list, or
 * a fallback standing in for the down primary named by {@code hintFor} (sloppy quorum).
 */
public record ReplicaTarget(String nodeId, Endpoint endpoint, String hintFor) {
  public static ReplicaTarget primary(String nodeId, Endpoint endpoint) {
    return new ReplicaTarget(nodeId, endpoint, null);
  }

  /** The target at {@code endpoint} in {@code targets}, or null: replies are matched to targets by sender. */
  public static ReplicaTarget at(java.util.List<ReplicaTarget> targets, Endpoint endpoint) {
    for (ReplicaTarget t : targets) {
      if (t.endpoint().equals(endpoint)) {
        return t;
      }
    }
    return null;
  }

  public boolean isFallback() {
    return hintFor != null;
  }

  public String role() {
    return hintFor == null ? "primary" : "fallback for " + hintFor;
  }
}
