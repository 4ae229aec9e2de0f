package io.ringkv.handoff;

/**
 * Bounds and pace of hinted handoff.
 *
 * @param hintsMax hints a stand-in keeps (default 1,000,000: a few minutes of a busy node's writes
 *     to a down peer; beyond it hints are dropped, counted and logged, and anti-entropy repairs)
 * @param deliveryIntervalMs how often pending hints are looked at (default 1000, a gossip round:
 *     the owner's return is not known sooner)
 * @param batchMax hints in flight to one owner at once (default 128)
 * @param bytesPerSecond handoff rate per stand-in (default 8 MiB/s: a returning node catches up in
 *     seconds without taking the network from client traffic; Cassandra's hinted_handoff_throttle
 *     is 1 MiB/s per destination by default, for WANs)
 * @param ackTimeoutMs how long a delivery waits for the owner's ack before it is retried next round
 *     (default 5000)
 */
public record HandoffConfig(long hintsMax, long deliveryIntervalMs, int batchMax, long bytesPerSecond,
    long ackTimeoutMs) {
  public static final HandoffConfig DEFAULTS = new HandoffConfig(1_000_000, 1000, 128, 8L << 20, 5000);

  public HandoffConfig {
    if (hintsMax < 1 || deliveryIntervalMs < 1 || batchMax < 1 || bytesPerSecond < 1 || ackTimeoutMs < 1) {
      throw new IllegalArgumentException("handoff settings must be positive: " + hintsMax + "/" + deliveryIntervalMs
          + "/" + batchMax + "/" + bytesPerSecond + "/" + ackTimeoutMs);
    }
  }

  public HandoffConfig withDeliveryIntervalMs(long ms) {
    return new HandoffConfig(hintsMax, ms, batchMax, bytesPerSecond, ackTimeoutMs);
  }
}
