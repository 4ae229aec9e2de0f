package io.ringkv.client;

import java.util.List;

/** What a node's heartbeat (INFO) says about the cluster. */
public record ClusterInfo(
    String nodeId,
    String clusterName,
    int replicationFactor,
    int defaultR,
    int defaultW,
    String keyFormat,
    List<Node> nodes,
    List<String> warnings) {

  /**
   * A member as the answering node sees it; {@code status} is UP, DOWN, JOINING, LEAVING, ...;
   * {@code activity} is one line saying what the member is busy with (streaming progress), "" when idle.
   */
  public record Node(String id, NodeAddress endpoint, String status, int tokens, double ownership, String activity) {
    public Node {
      activity = activity == null ? "" : activity;
    }

    /** An idle member. */
    public Node(String id, NodeAddress endpoint, String status, int tokens, double ownership) {
      this(id, endpoint, status, tokens, ownership, "");
    }
  }

  /**
   * One replica's copy of a key, read from it directly.
   *
   * @param role "primary" or "fallback for NODE"
   * @param answered false when the replica did not answer
   */
  public record ReplicaState(String nodeId, NodeAddress endpoint, String role, boolean answered,
      List<byte[]> values, int tombstones) {}
}
