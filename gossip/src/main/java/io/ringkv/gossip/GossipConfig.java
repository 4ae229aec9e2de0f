package io.ringkv.gossip;

/**
 * Gossip and failure-detection tunables. Every field has a unit in its name and a default with a
 * reason in {@link #defaults()}; the constructor fails fast naming the bad field.
 *
 * @param gossipIntervalMs period of {@link Gossiper#tick}; the node driver calls tick at this rate
 * @param fanout live peers contacted per round
 * @param phiConvictThreshold phi above which a member is considered down
 * @param maxSampleSize heartbeat inter-arrival samples kept per member
 * @param minStdDeviationMs floor of the inter-arrival standard deviation
 * @param acceptableHeartbeatPauseMs pause tolerated before phi starts to climb
 * @param firstHeartbeatEstimateMs assumed inter-arrival time before any interval has been observed
 * @param maxStatesPerMessage member states carried by one Ack or Ack2
 */
public record GossipConfig(
    long gossipIntervalMs,
    int fanout,
    double phiConvictThreshold,
    int maxSampleSize,
    long minStdDeviationMs,
    long acceptableHeartbeatPauseMs,
    long firstHeartbeatEstimateMs,
    int maxStatesPerMessage) {

  /** Hard cap on {@link #maxStatesPerMessage}; receivers refuse messages carrying more. */
  public static final int MAX_STATES_PER_MESSAGE = 256;
  /** Hard cap on {@link #maxSampleSize}. */
  public static final int MAX_SAMPLE_SIZE = 10_000;

  public GossipConfig {
    require(gossipIntervalMs >= 1, "gossipIntervalMs", gossipIntervalMs, ">= 1");
    require(fanout >= 1 && fanout <= 64, "fanout", fanout, "1..64");
    if (!(phiConvictThreshold > 0) || Double.isInfinite(phiConvictThreshold)) {
      throw new IllegalArgumentException("phiConvictThreshold must be a positive number, got " + phiConvictThreshold);
    }
    require(maxSampleSize >= 1 && maxSampleSize <= MAX_SAMPLE_SIZE, "maxSampleSize", maxSampleSize,
        "1.." + MAX_SAMPLE_SIZE);
    require(minStdDeviationMs >= 1, "minStdDeviationMs", minStdDeviationMs, ">= 1");
    require(acceptableHeartbeatPauseMs >= 0, "acceptableHeartbeatPauseMs", acceptableHeartbeatPauseMs, ">= 0");
    require(firstHeartbeatEstimateMs >= 1, "firstHeartbeatEstimateMs", firstHeartbeatEstimateMs, ">= 1");
    require(maxStatesPerMessage >= 1 && maxStatesPerMessage <= MAX_STATES_PER_MESSAGE, "maxStatesPerMessage",
        maxStatesPerMessage, "1.." + MAX_STATES_PER_MESSAGE);
  }

  public static GossipConfig defaults() {
    return new GossipConfig(
        // Cassandra's gossip period: a heartbeat a second is plenty for a phi detector, cheap at 100 nodes.
        1000,
        // Cassandra contacts 1 live peer, Serf/memberlist 3; 3 spreads a change to n nodes in ~log3(n) rounds.
        3,
        // Cassandra's phi_convict_threshold and Akka's default: ~1e-8 chance of a false conviction per check.
        8.0,
        // Cassandra's and Akka's window: enough to follow a changing network, bounded memory (8 KB/member).
        1000,
        // Akka's default; without a floor, perfectly regular heartbeats would make phi explode at the first jitter.
        100,
        // Akka cluster's default 3 s: a node's heartbeat reaches us indirectly over gossip hops, and a
        // stop-the-world GC or a lost round must not convict. Conviction comes ~4.5 s after the last heartbeat.
        3000,
        // One gossip interval: a member just learned about is expected to heartbeat every round.
        1000,
        // A state is 8 bytes per token (~8 KB at 1024 vnodes): 32 keep an Ack under ~256 KB while a
        // joining node still learns a 100-node cluster in a few rounds. Steady rounds send digests only.
        32);
  }

  public GossipConfig withGossipIntervalMs(long v) {
    return new GossipConfig(v, fanout, phiConvictThreshold, maxSampleSize, minStdDeviationMs,
        acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs, maxStatesPerMessage);
  }

  public GossipConfig withFanout(int v) {
    return new GossipConfig(gossipIntervalMs, v, phiConvictThreshold, maxSampleSize, minStdDeviationMs,
        acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs, maxStatesPerMessage);
  }

  public GossipConfig withPhiConvictThreshold(double v) {
    return new GossipConfig(gossipIntervalMs, fanout, v, maxSampleSize, minStdDeviationMs,
        acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs, maxStatesPerMessage);
  }

  public GossipConfig withAcceptableHeartbeatPauseMs(long v) {
    return new GossipConfig(gossipIntervalMs, fanout, phiConvictThreshold, maxSampleSize, minStdDeviationMs,
        v, firstHeartbeatEstimateMs, maxStatesPerMessage);
  }

  public GossipConfig withMaxStatesPerMessage(int v) {
    return new GossipConfig(gossipIntervalMs, fanout, phiConvictThreshold, maxSampleSize, minStdDeviationMs,
        acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs, v);
  }

  private static void require(boolean ok, String field, Object value, String range) {
    if (!ok) {
      throw new IllegalArgumentException(field + " must be " + range + ", got " + value);
    }
  }
}
