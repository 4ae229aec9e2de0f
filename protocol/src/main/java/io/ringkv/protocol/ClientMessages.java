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
      String activity) {
    /** Starts the part of a node's activity line that says it holds hints for down owners (a stand-in). */
    public static final String STAND_IN_ACTIVITY_PREFIX = "stand-in: ";
  }

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
   * @param cleanupStartsInMs when the coordinating node's cleanup of copies it no longer owns starts:
   *     {@link #NO_CLEANUP_DUE} (-1) when none is due, 0 when a pass is running, else the milliseconds
   *     until the ring has been stable long enough (misplaced copies left by a ring change are dropped then)
   */
  public record VerifyReply(long requestId, long keys, long underReplicated, long misplaced, List<String> unanswered,
      boolean truncated, long cleanupStartsInMs) implements Reply {
    /** No cleanup is due on the coordinating node. */
    public static final long NO_CLEANUP_DUE = -1;

    public VerifyReply(long requestId, long keys, long underReplicated, long misplaced, List<String> unanswered,
        boolean truncated) {
      this(requestId, keys, underReplicated, misplaced, unanswered, truncated, NO_CLEANUP_DUE);
    }

    /** The same counts, with the coordinating node's cleanup schedule (see {@link #cleanupStartsInMs}). */
    public VerifyReply withCleanupStartsInMs(long ms) {
      return new VerifyReply(requestId, keys, underReplicated, misplaced, unanswered, truncated, ms);
    }
  }

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

  /**
   * Stops the node {@code nodeId} cleanly (an admin action, REPL {@code STOP}): it answers, flushes its
   * stores and its process exits with status 0; hints and anti-entropy bring it back in line when it is
   * restarted. Any node accepts it: a node that is not {@code nodeId} forwards it to that node (once:
   * the forwarded copy is refused by any node but the target) and relays the answer.
   */
  public record StopNodeRequest(long requestId, String nodeId) implements Request {}

  /** An admin action done; {@code message} says what happened, one line. */
  public record AdminReply(long requestId, String message) implements Reply {}

  /**
   * Lists keys in unsigned byte order, a page at a time (issue 16 item 3, seed 003's "all the keys").
   * With {@code nodeId} null the coordinator walks the whole ring: it asks every live node for its first
   * {@code limit} keys after {@code after} and merges them (Riak's list-keys: every node scans its whole
   * store per page). With a node id, only the keys that node stores (owned and stood-in copies).
   *
   * @param after the last key of the previous page, or null/empty to start
   * @param limit keys per page; 0 means the node's default, more than the node's bound is cut to it
   */
  public record KeysRequest(long requestId, String nodeId, byte[] after, int limit) implements Request {}

  /**
   * @param keys sorted, distinct, at most the request's limit
   * @param more true when keys after the last one exist (ask again with {@code after} = the last key)
   * @param unanswered nodes that were down or did not answer: their keys may be missing (a key is
   *     missing only when every replica that holds it is among them)
   */
  public record KeysReply(long requestId, List<byte[]> keys, boolean more, List<String> unanswered)
      implements Reply {}

  /** Asks the coordinator for every live node's operation figures (the dashboard's live data). */
  public record StatsRequest(long requestId) implements Request {}

  /** @param nodes one entry per node that answered in time; a node absent here did not answer */
  public record StatsReply(long requestId, List<NodeStats> nodes) implements Reply {}

  /**
   * One node's figures, read from its metrics when asked.
   *
   * @param ops one entry per timed operation: coordinator get/put/delete, replica read/write/merge
   * @param hintsPending hints this node keeps for down owners
   * @param inFlight requests this node coordinates right now
   * @param readRepairs read repairs sent since start
   * @param errors client errors answered since start, all codes
   * @param antiEntropyExchanges anti-entropy exchanges completed since start
   * @param antiEntropyKeysRepaired keys anti-entropy repaired since start
   */
  public record NodeStats(String nodeId, List<OpStats> ops, long hintsPending, long inFlight, long readRepairs,
      long errors, long antiEntropyExchanges, long antiEntropyKeysRepaired) {}

  /**
   * @param op e.g. "get", "put", "delete", "replica.read"
   * @param count operations since start (a reader takes the rate from two readings)
   * @param p50Ms median latency in milliseconds (Dropwizard's decaying reservoir, about the last 5 min)
   * @param p99Ms 99th percentile latency in milliseconds
   */
  public record OpStats(String op, long count, double p50Ms, double p99Ms) {}

  /**
   * A request that failed; {@code message} is one line fit for a user.
   *
   * <p>A read or write refused because too few of the key's replicas are alive (UNAVAILABLE before
   * anything was sent, as Cassandra's UnavailableException) also says so in numbers: {@code required}
   * replicas were asked for and only {@code alive} are reachable, so a client may retry at {@code alive}
   * (a downgrading retry policy). Both are 0 on every other error.
   */
  public record ErrorReply(long requestId, ErrorCode code, String message, int required, int alive) implements Reply {
    public ErrorReply {
      if (required < 0 || alive < 0) {
        throw new IllegalArgumentException("required and alive must be >= 0, got " + required + " and " + alive);
      }
    }

    public ErrorReply(long requestId, ErrorCode code, String message) {
      this(requestId, code, message, 0, 0);
    }
  }
}
