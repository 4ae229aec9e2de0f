package io.ringkv.protocol;

import java.util.List;

/** The native client protocol: what a client sends to any node and what it gets back. */
public final class ClientMessages {
  private ClientMessages() {}

  /**
   * First frame on every connection, from the side that opened it.
   *
   * @param protocolVersion {@link Messages#PROTOCOL_VERSION} of the sender
   * @param nodeId the sender's node id when a node opens an internode connection, null for a client
   * @param host the sender's advertised host when it is a node, else null
   * @param port the sender's advertised port when it is a node, else 0
   * @param clusterName the cluster the sender belongs to (nodes), or expects (clients, may be null)
   * @param user a client's user name when the node has {@code --auth on}, else null
   * @param password the user's password (sent only over TLS unless the node allows plaintext auth), else null
   */
  public record Hello(int protocolVersion, String nodeId, String host, int port, String clusterName, String user,
      String password) implements Message {
    public Hello(int protocolVersion, String nodeId, String host, int port, String clusterName) {
      this(protocolVersion, nodeId, host, port, clusterName, null, null);
    }

    /** Never shows the password (a Hello may end up in a log line). */
    @Override
    public String toString() {
      return "Hello[protocolVersion=" + protocolVersion + ", nodeId=" + nodeId + ", host=" + host + ", port=" + port
          + ", clusterName=" + clusterName + ", user=" + user + ", password=" + (password == null ? "null" : "***")
          + "]";
    }
  }

  /** The handshake accepted. */
  public record HelloOk(int protocolVersion, String nodeId, String clusterName) implements Message {}

  /**
   * @param r replies to wait for; 0 means the node's default
   * @param timeoutMs 0 means the node's default
   */
  public record GetRequest(long requestId, byte[] key, int r, int timeoutMs) implements Request {}

  /**
   * @param values the live siblings' values, empty when not found
   * @param context opaque causal context to send back with the next PUT or DELETE of the key
   * @param replicas how many replicas answered
   */
  public record GetReply(long requestId, List<byte[]> values, byte[] context, int replicas) implements Reply {}

  /**
   * @param context the context of a previous read, or null/empty for a blind write
   * @param w acknowledgements to wait for; 0 means the node's default
   * @param writeId the client's idempotency id, the same when the client retries this write on another
   *     node; 0 for none
   */
  public record PutRequest(long requestId, byte[] key, byte[] value, byte[] context, int w, int timeoutMs,
      long writeId) implements Request {
    public PutRequest(long requestId, byte[] key, byte[] value, byte[] context, int w, int timeoutMs) {
      this(requestId, key, value, context, w, timeoutMs, 0);
    }
  }

  /**
   * @param created true when the key held no live value before
   * @param acks replicas that acknowledged (never more than really did)
   * @param context the causal context after the write
   */
  public record PutReply(long requestId, boolean created, int acks, byte[] context) implements Reply {}

  /** @param writeId as in {@link PutRequest} */
  public record DeleteRequest(long requestId, byte[] key, byte[] context, int w, int timeoutMs, long writeId)
      implements Request {
    public DeleteRequest(long requestId, byte[] key, byte[] context, int w, int timeoutMs) {
      this(requestId, key, context, w, timeoutMs, 0);
    }
  }

  /** @param existed true when the key held a live value before the delete */
  public record DeleteReply(long requestId, boolean existed, int acks) implements Reply {}

  public record InfoRequest(long requestId) implements Request {}

  /**
   * The heartbeat answer.
   *
   * @param nodes every known node, this one included
   * @param warnings human-readable warnings, e.g. "cluster size (1) is smaller than a replication factor (2)"
   */
  public record InfoReply(
      long requestId,
      String nodeId,
      String clusterName,
      int replicationFactor,
      int defaultR,
      int defaultW,
      String keyFormat,
      List<NodeInfo> nodes,
      List<String> warnings)
      implements Reply {}

  /**
   * @param status UP, DOWN, JOINING, LEAVING, ...
   * @param tokens number of ring tokens the node holds
   * @param ownership the fraction of the ring the node is primary for, 0..1
   * @param activity what the node is busy with as gossip last told (e.g. "leaving: 42% (4,200 of 10,000
   *     keys, 1.2 MiB), ETA 14 s"), "" when idle
   */
  public record NodeInfo(String id, String host, int port, String status, int tokens, double ownership,
      String activity) {}

  /** Asks the coordinator what each replica of the key's preference list holds, read from each directly. */
  public record WhereRequest(long requestId, byte[] key) implements Request {}

  /** @param replicas one entry per node of the preference list, primaries first */
  public record WhereReply(long requestId, List<ReplicaView> replicas) implements Reply {}

  /**
   * @param role "primary" or "fallback for NODE"
   * @param answered false when the replica did not answer in time
   * @param values the live values it holds
   * @param tombstones tombstone siblings it holds
   */
  public record ReplicaView(String nodeId, String host, int port, String role, boolean answered,
      List<byte[]> values, int tombstones) {}

  /** Asks the coordinator to check the whole ring: is every key held by its N owners, and only by them? */
  public record VerifyRequest(long requestId) implements Request {}

  /**
   * @param keys distinct keys found on the nodes that answered
   * @param underReplicated keys held by fewer owners than min(N, ring size)
   * @param misplaced keys held by a node that is not one of their owners (a pending hint, or data left
   *     behind by a ring change)
   * @param unanswered nodes that did not answer (their keys are missing from the counts)
   * @param truncated a node held more keys than one check reads; the counts cover part of the ring
   */
  public record VerifyReply(long requestId, long keys, long underReplicated, long misplaced, List<String> unanswered,
      boolean truncated) implements Reply {}

  /**
   * Removes a dead node from the ring for good (an admin action; a down node otherwise keeps its tokens).
   * Its ranges pass to the next nodes, and anti-entropy re-replicates them from the surviving replicas.
   */
  public record RemoveNodeRequest(long requestId, String nodeId) implements Request {}

  /**
   * Decommissions the node that receives it: it streams its data to the owners of the ring without it,
   * leaves the ring and stops. Answered when the node has left. {@code nodeId}, when not null, names the
   * node meant: any other node refuses (a client that failed over must not decommission its new node).
   */
  public record LeaveRequest(long requestId, String nodeId) implements Request {}

  /** An admin action done; {@code message} says what happened, one line. */
  public record AdminReply(long requestId, String message) implements Reply {}

  /** A request that failed; {@code message} is one line fit for a user. */
  public record ErrorReply(long requestId, ErrorCode code, String message) implements Reply {}
}
