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

    /** Alive as far as the cluster (and this client) knows: not DOWN, not on its way out for good. */
    public boolean alive() {
      return !"DOWN".equalsIgnoreCase(status) && !"REMOVING".equalsIgnoreCase(status);
    }

    /**
     * The member's part in the ring, for NODES: {@code owner} (UP), {@code joining} (streaming its
     * ranges in, not an owner yet), {@code leaving} (handing its ranges over, still an owner),
     * {@code being removed} (dead, its ranges re-replicated by the others), {@code owner, down} (a
     * down node keeps its tokens; stand-ins take its writes), and {@code , stand-in} appended when its
     * activity says it holds hints for down owners.
     */
    public String role() {
      String base = switch (status.toUpperCase(java.util.Locale.ROOT)) {
        case "UP" -> tokens > 0 ? "owner" : "member";
        case "JOINING" -> "joining";
        case "LEAVING" -> "leaving";
        case "REMOVING" -> "being removed";
        case "DOWN" -> tokens > 0 ? "owner, down" : "down";
        default -> status.toLowerCase(java.util.Locale.ROOT);
      };
      for (String part : activity.split("; ")) {
        if (part.startsWith(io.ringkv.protocol.ClientMessages.NodeInfo.STAND_IN_ACTIVITY_PREFIX)) {
          return base + ", stand-in";
        }
      }
      return base;
    }
  }

  /** The members alive as far as the cluster (and this client) knows, in the node's order. */
  public List<Node> liveNodes() {
    return nodes.stream().filter(Node::alive).toList();
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
