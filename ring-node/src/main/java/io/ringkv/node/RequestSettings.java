package io.ringkv.node;

/**
 * The request-path settings of a node. Defaults follow Dynamo's common (3, 2, 2) configuration.
 *
 * @param replicationFactor N: replicas per key (cluster-wide; default 3)
 * @param defaultR replies a GET waits for unless the client asks otherwise (default 2: R + W > N)
 * @param defaultW acknowledgements a PUT/DELETE waits for (default 2)
 * @param requestTimeoutMs how long a coordinator waits for its quorum (default 2000: well above a
 *     healthy replica round trip, below the client's 5 s so the client hears the precise error)
 * @param mintTimeoutMs how long the minting replica may take before the next one mints (default 500)
 * @param readRepairBytesMax objects above this are left to anti-entropy, not read-repaired inline
 *     (default 4 MiB)
 * @param maxInFlightRequests coordinators alive at once before new requests are refused with
 *     OVERLOADED (default 10,000: about 40 MB of state at worst, far above what 2 cores serve)
 * @param keyFormat cluster-wide key rule
 * @param sloppyQuorum whether a fallback's (stand-in's) answer counts toward R and W (default false:
 *     only the key's owners count, as Cassandra keeps hints out of its consistency levels; true is
 *     Dynamo's sloppy quorum, more available during faults, with stale reads after a heal; see
 *     docs/ARCHITECTURE.md, "Reads after a heal")
 * @param localReplicaOnCore whether this node's own replica read, and its own mint when it coordinates a
 *     write, run on the core thread that holds the coordinator (default true: a replica read takes ~4 µs
 *     and a mint ~30 µs, while the hop to a storage thread and back costs two hand-offs, each a queue
 *     and a wake-up; Chronicle Map locks per segment, so the core and the storage threads may share it).
 *     Replica merges (replication, read repair) and every request from other nodes stay on the storage
 *     threads; false sends the local ones there too, as before 2026-12 (on a node:
 *     {@code -Dringkv.localReplicaOnCore=false})
 */
public record RequestSettings(
    int replicationFactor,
    int defaultR,
    int defaultW,
    long requestTimeoutMs,
    long mintTimeoutMs,
    long readRepairBytesMax,
    int maxInFlightRequests,
    KeyFormat keyFormat,
    boolean sloppyQuorum,
    boolean localReplicaOnCore) {

  public static RequestSettings defaults(int n) {
    int quorum = n / 2 + 1;
    return new RequestSettings(n, quorum, quorum, 2000, 500, 4L << 20, 10_000, KeyFormat.ANY, false, true);
  }

  public RequestSettings {
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replicationFactor must be >= 1, got " + replicationFactor);
    }
    if (defaultR < 1 || defaultR > replicationFactor) {
      throw new IllegalArgumentException("defaultR must be 1.." + replicationFactor + ", got " + defaultR);
    }
    if (defaultW < 1 || defaultW > replicationFactor) {
      throw new IllegalArgumentException("defaultW must be 1.." + replicationFactor + ", got " + defaultW);
    }
    if (requestTimeoutMs <= 0 || mintTimeoutMs <= 0 || readRepairBytesMax < 0 || maxInFlightRequests <= 0) {
      throw new IllegalArgumentException("timeouts and bounds must be positive");
    }
  }

  public RequestSettings withQuorums(int r, int w) {
    return new RequestSettings(replicationFactor, r, w, requestTimeoutMs, mintTimeoutMs, readRepairBytesMax,
        maxInFlightRequests, keyFormat, sloppyQuorum, localReplicaOnCore);
  }

  public RequestSettings withKeyFormat(KeyFormat format) {
    return new RequestSettings(replicationFactor, defaultR, defaultW, requestTimeoutMs, mintTimeoutMs,
        readRepairBytesMax, maxInFlightRequests, format, sloppyQuorum, localReplicaOnCore);
  }

  public RequestSettings withTimeouts(long requestMs, long mintMs) {
    return new RequestSettings(replicationFactor, defaultR, defaultW, requestMs, mintMs, readRepairBytesMax,
        maxInFlightRequests, keyFormat, sloppyQuorum, localReplicaOnCore);
  }

  public RequestSettings withSloppyQuorum(boolean sloppy) {
    return new RequestSettings(replicationFactor, defaultR, defaultW, requestTimeoutMs, mintTimeoutMs,
        readRepairBytesMax, maxInFlightRequests, keyFormat, sloppy, localReplicaOnCore);
  }

  public RequestSettings withLocalReplicaOnCore(boolean onCore) {
    return new RequestSettings(replicationFactor, defaultR, defaultW, requestTimeoutMs, mintTimeoutMs,
        readRepairBytesMax, maxInFlightRequests, keyFormat, sloppyQuorum, onCore);
  }
}
