package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a node process is started with. Built by {@link NodeMain} from flags and an optional
 * config file; each field names its flag, and its default is given (with the reason) there.
 */
public record NodeConfig(
    String id,
    String host,
    int port,
    String bindHost,
    Path dataDir,
    String clusterName,
    int replicationFactor,
    int defaultR,
    int defaultW,
    KeyFormat keyFormat,
    List<Endpoint> join,
    int vnodes,
    long storageEntries,
    int storageAverageKeyBytes,
    int storageAverageValueBytes,
    long requestTimeoutMs,
    long gossipIntervalMs,
    int storageThreads,
    int storageQueueMax,
    int httpPort,
    boolean unsafeLastWriteWins,
    long cleanupSettleMs,
    long antiEntropyIntervalMs,
    long tombstoneGraceMs,
    boolean sloppyQuorum,
    long clockOffsetMs,
    io.ringkv.security.SecurityConfig security) {

  /** The largest --clock-offset-ms: a day, far beyond any skew worth testing. */
  static final long CLOCK_OFFSET_MS_MAX = 86_400_000L;

  public NodeConfig {
    join = List.copyOf(join);
    security = security == null ? io.ringkv.security.SecurityConfig.OFF : security;
    if (id != null && !id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("--id must be 1-64 letters, digits, '.', '_' or '-', got '" + id + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--port must be 1..65535, got " + port);
    }
    if (replicationFactor < 1 || replicationFactor > 16) {
      throw new IllegalArgumentException("--replication-factor must be 1..16, got " + replicationFactor);
    }
    if (defaultR < 0 || defaultR > replicationFactor) {
      throw new IllegalArgumentException("--r must be 1.." + replicationFactor + " (the replication factor), got "
          + defaultR);
    }
    if (defaultW < 0 || defaultW > replicationFactor) {
      throw new IllegalArgumentException("--w must be 1.." + replicationFactor + " (the replication factor), got "
          + defaultW);
    }
    if (vnodes < 1 || vnodes > 4096) {
      throw new IllegalArgumentException("--vnodes must be 1..4096, got " + vnodes);
    }
    if (requestTimeoutMs < 10 || gossipIntervalMs < 10) {
      throw new IllegalArgumentException("--request-timeout-ms and --gossip-interval-ms must be >= 10");
    }
    if (storageThreads < 1 || storageQueueMax < 1) {
      throw new IllegalArgumentException("--storage-threads and --storage-queue-max must be >= 1");
    }
    if (cleanupSettleMs < 0) {
      throw new IllegalArgumentException("--cleanup-settle-ms must be >= 0, got " + cleanupSettleMs);
    }
    if (antiEntropyIntervalMs < 100) {
      throw new IllegalArgumentException("--anti-entropy-interval-ms must be >= 100, got " + antiEntropyIntervalMs);
    }
    if (tombstoneGraceMs < 0) {
      throw new IllegalArgumentException("--tombstone-grace-ms must be >= 0, got " + tombstoneGraceMs);
    }
    if (Math.abs(clockOffsetMs) > CLOCK_OFFSET_MS_MAX) {
      throw new IllegalArgumentException("--clock-offset-ms must be within +-" + CLOCK_OFFSET_MS_MAX + ", got "
          + clockOffsetMs);
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("--http-port must be 0..65535 (0: no HTTP), got " + httpPort);
    }
  }

  public Endpoint endpoint() {
    return new Endpoint(host, port);
  }

  /** Quorum defaults: the flag, or a majority of N. */
  public int effectiveR() {
    return defaultR > 0 ? defaultR : replicationFactor / 2 + 1;
  }

  public int effectiveW() {
    return defaultW > 0 ? defaultW : replicationFactor / 2 + 1;
  }

  public NodeConfig withId(String newId) {
    return new NodeConfig(newId, host, port, bindHost, dataDir, clusterName, replicationFactor, defaultR, defaultW,
        keyFormat, join, vnodes, storageEntries, storageAverageKeyBytes, storageAverageValueBytes, requestTimeoutMs,
        gossipIntervalMs, storageThreads, storageQueueMax, httpPort, unsafeLastWriteWins, cleanupSettleMs,
        antiEntropyIntervalMs, tombstoneGraceMs, sloppyQuorum, clockOffsetMs, security);
  }

  public NodeConfig withSecurity(io.ringkv.security.SecurityConfig s) {
    return new NodeConfig(id, host, port, bindHost, dataDir, clusterName, replicationFactor, defaultR, defaultW,
        keyFormat, join, vnodes, storageEntries, storageAverageKeyBytes, storageAverageValueBytes, requestTimeoutMs,
        gossipIntervalMs, storageThreads, storageQueueMax, httpPort, unsafeLastWriteWins, cleanupSettleMs,
        antiEntropyIntervalMs, tombstoneGraceMs, sloppyQuorum, clockOffsetMs, s);
  }

  /** The anti-entropy settings: the defaults with this node's exchange interval and tombstone grace. */
  public io.ringkv.antientropy.AntiEntropyConfig antiEntropy() {
    return io.ringkv.antientropy.AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(antiEntropyIntervalMs)
        .withTombstoneGraceMs(tombstoneGraceMs);
  }
}
