package io.ringkv.gossip;

import java.util.HashMap;
import java.util.Map;

/**
 * The phi accrual failure detector of Hayashibara, Défago, Yared and Katayama, "The φ Accrual Failure
 * Detector" (SRDS 2004), in the form Akka and Cassandra use. Instead of a yes/no answer it gives a
 * suspicion level: phi = -log10(P(a heartbeat arrives later than now)), where the inter-arrival times
 * are modelled as a normal distribution fitted to a bounded window of observed intervals. phi 8 means
 * a one-in-10^8 chance that the member is alive and merely late.
 *
 * <p>The normal tail is computed with Akka's logistic approximation of the CDF, the expected interval
 * is the observed mean plus {@code acceptableHeartbeatPauseMs}, and the standard deviation is floored
 * at {@code minStdDeviationMs}. Before the first interval is observed the window is seeded, as in
 * Akka, with {@code firstHeartbeatEstimateMs} ± a quarter of it.
 *
 * <p>Pure: time is a parameter; not thread-safe (the owning {@link Gossiper} is single-threaded).
 * A heartbeat for gossip is observing a member's (generation, version) grow.
 */
public final class PhiAccrualFailureDetector {
  private final double threshold;
  private final int maxSampleSize;
  private final double minStdDeviationMs;
  private final long acceptableHeartbeatPauseMs;
  private final long firstHeartbeatEstimateMs;
  private final int maxTrackedMembers;
  private final Map<String, History> histories = new HashMap<>();

  public PhiAccrualFailureDetector(GossipConfig config) {
    this(config.phiConvictThreshold(), config.maxSampleSize(), config.minStdDeviationMs(),
        config.acceptableHeartbeatPauseMs(), config.firstHeartbeatEstimateMs(), MembershipView.MAX_MEMBERS);
  }

  /** @param maxTrackedMembers bound on members with a history; a heartbeat for one more throws */
  public PhiAccrualFailureDetector(double threshold, int maxSampleSize, long minStdDeviationMs,
      long acceptableHeartbeatPauseMs, long firstHeartbeatEstimateMs, int maxTrackedMembers) {
    this.threshold = threshold;
    this.maxSampleSize = maxSampleSize;
    this.minStdDeviationMs = minStdDeviationMs;
    this.acceptableHeartbeatPauseMs = acceptableHeartbeatPauseMs;
    this.firstHeartbeatEstimateMs = firstHeartbeatEstimateMs;
    this.maxTrackedMembers = maxTrackedMembers;
  }

  /** Records a heartbeat of {@code id} at {@code nowMs}. */
  public void heartbeat(String id, long nowMs) {
    History h = histories.get(id);
    if (h == null) {
      if (histories.size() >= maxTrackedMembers) {
        throw new IllegalStateException("failure detector tracks " + histories.size()
            + " members already (maxTrackedMembers); refusing '" + id + "'");
      }
      h = new History(maxSampleSize, nowMs);
      // Akka's bootstrap: two samples, mean = estimate, standard deviation = estimate / 4.
      long estimate = firstHeartbeatEstimateMs;
      h.add(estimate - estimate / 4);
      h.add(estimate + estimate / 4);
      histories.put(id, h);
      return;
    }
    long interval = Math.max(0, nowMs - h.lastMs);
    h.add(interval);
    h.lastMs = Math.max(h.lastMs, nowMs);
  }

  /** The suspicion level of {@code id}; 0 for a member never heard of. */
  public double phi(String id, long nowMs) {
    History h = histories.get(id);
    if (h == null) {
      return 0.0;
    }
    double elapsed = Math.max(0, nowMs - h.lastMs);
    double mean = h.mean() + acceptableHeartbeatPauseMs;
    double stdDev = Math.max(h.stdDeviation(), minStdDeviationMs);
    return phi(elapsed, mean, stdDev);
  }

  /** Whether {@code id} is considered alive: phi below the threshold (true for members never heard of). */
  public boolean isAvailable(String id, long nowMs) {
    return phi(id, nowMs) < threshold;
  }

  /** Whether a heartbeat of {@code id} has ever been recorded (since the last {@link #remove}). */
  public boolean isMonitoring(String id) {
    return histories.containsKey(id);
  }

  /** Forgets {@code id}: the next heartbeat starts a fresh history (use it on restart or removal). */
  public void remove(String id) {
    histories.remove(id);
  }

  public int trackedMembers() {
    return histories.size();
  }

  public double threshold() {
    return threshold;
  }

  /** Akka's logistic approximation of -log10(1 - CDF(elapsed)) of N(mean, stdDev). */
  static double phi(double elapsedMs, double meanMs, double stdDevMs) {
    double y = (elapsedMs - meanMs) / stdDevMs;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (elapsedMs > meanMs) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  /** A ring buffer of inter-arrival times with running sums. */
  private static final class History {
    private final long[] intervals;
    private int start;
    private int count;
    private double sum;
    private double sumOfSquares;
    private long lastMs;

    History(int capacity, long lastMs) {
      this.intervals = new long[capacity];
      this.lastMs = lastMs;
    }

    void add(long interval) {
      if (count == intervals.length) {
        long dropped = intervals[start];
        sum -= dropped;
        sumOfSquares -= (double) dropped * dropped;
        intervals[start] = interval;
        start = (start + 1) % intervals.length;
      } else {
        intervals[(start + count) % intervals.length] = interval;
        count++;
      }
      sum += interval;
      sumOfSquares += (double) interval * interval;
    }

    double mean() {
      return sum / count;
    }

    double stdDeviation() {
      double mean = mean();
      double variance = sumOfSquares / count - mean * mean;
      return variance > 0 ? Math.sqrt(variance) : 0.0;
    }
  }
}
