package io.ringkv.antientropy;

/**
 * Anti-entropy and tombstone-GC tunables. Every field has a unit in its name, a default and the reason.
 *
 * @param treeLevels levels below the root of each {@link HashTree} (default 3: 4,096 leaves of 16-way
 *     fan-out, ~40 keys per leaf at 1M keys per node, 35 KB per tree)
 * @param exchangeIntervalMs how often the node starts an exchange with one peer for one range (default
 *     10 s: on 5 nodes with N=3 a node has 6 ranges x 2 peers, so each pair is compared every 2 minutes,
 *     while an in-sync exchange costs one root hash)
 * @param exchangesInFlightMax exchanges this node initiates at once (default 1: repair never competes
 *     with itself; one exchange per range at a time in any case)
 * @param requestTimeoutMs how long an exchange waits for one reply before failing (default 60 s: a peer
 *     may scan 1M keys at the scan rate to list leaves)
 * @param scanKeysPerSecond keys per second visited by tree rebuilds, leaf listings and GC sweeps (default
 *     100,000: a 1M-key store is scanned in 10 s, a few percent of one core)
 * @param repairBytesPerSecond bytes per second of exchange traffic, hashes, listings and objects, both
 *     ways (default 8 MiB/s: under a tenth of a 1 Gbit/s link)
 * @param repairKeysPerSecond objects per second fetched or pushed (default 5,000: the merges a repair
 *     adds to the storage threads stay small next to client writes)
 * @param listingBytesMax most bytes of key listing per leaf round (default 1 MiB, ~30,000 keys; a round
 *     costs one storage scan on each side)
 * @param batchKeysMax keys per fetch or push message (default 256)
 * @param batchBytesMax object bytes per fetch reply or push message (default 1 MiB; one object larger
 *     than this travels alone)
 * @param workQueueMax anti-entropy storage tasks (scans, fetches, pushes, GC) queued on a node; beyond
 *     it peers get BUSY (default 64)
 * @param tombstoneGraceMs minimum age of a tombstone before it may be purged (default 10 minutes;
 *     Cassandra's gc_grace is 10 days because its repair is manual and may run weekly; here anti-entropy
 *     compares every pair of replicas every few minutes and purging also requires every replica to
 *     confirm it holds the tombstone, so the grace only covers hints and read repairs in flight)
 * @param gcIntervalMs how often the node sweeps its store for purgeable tombstones (default 60 s)
 * @param gcBatchKeysMax tombstones confirmed per sweep (default 1,000)
 * @param purgeLogEntriesMax purged keys remembered by the resurrection guard (default 100,000; ~15 MB in
 *     memory, 114 bytes per key in {@code purged.log}); also bounds what a restart reloads
 * @param purgeLogRetentionMs how long a purge is remembered, across restarts (default 7 days: a replica down
 *     longer must be wiped and repaired, as with Cassandra's gc_grace)
 */
public record AntiEntropyConfig(
    int treeLevels,
    long exchangeIntervalMs,
    int exchangesInFlightMax,
    long requestTimeoutMs,
    long scanKeysPerSecond,
    long repairBytesPerSecond,
    long repairKeysPerSecond,
    int listingBytesMax,
    int batchKeysMax,
    int batchBytesMax,
    int workQueueMax,
    long tombstoneGraceMs,
    long gcIntervalMs,
    int gcBatchKeysMax,
    int purgeLogEntriesMax,
    long purgeLogRetentionMs) {

  public static final AntiEntropyConfig DEFAULTS = new AntiEntropyConfig(3, 10_000, 1, 60_000, 100_000,
      8L << 20, 5_000, 1 << 20, 256, 1 << 20, 64, 600_000, 60_000, 1_000, 100_000, 7L * 24 * 3600 * 1000);

  public AntiEntropyConfig {
    if (treeLevels < 1 || treeLevels > 5) {
      throw new IllegalArgumentException("treeLevels must be 1..5, got " + treeLevels);
    }
    positive("exchangeIntervalMs", exchangeIntervalMs);
    positive("exchangesInFlightMax", exchangesInFlightMax);
    positive("requestTimeoutMs", requestTimeoutMs);
    positive("scanKeysPerSecond", scanKeysPerSecond);
    positive("repairBytesPerSecond", repairBytesPerSecond);
    positive("repairKeysPerSecond", repairKeysPerSecond);
    positive("listingBytesMax", listingBytesMax);
    positive("batchKeysMax", batchKeysMax);
    positive("batchBytesMax", batchBytesMax);
    positive("workQueueMax", workQueueMax);
    if (tombstoneGraceMs < 0) {
      throw new IllegalArgumentException("tombstoneGraceMs must be >= 0, got " + tombstoneGraceMs);
    }
    positive("gcIntervalMs", gcIntervalMs);
    positive("gcBatchKeysMax", gcBatchKeysMax);
    positive("purgeLogEntriesMax", purgeLogEntriesMax);
    positive("purgeLogRetentionMs", purgeLogRetentionMs);
  }

  private static void positive(String name, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }

  public AntiEntropyConfig withExchangeIntervalMs(long v) {
    return new AntiEntropyConfig(treeLevels, v, exchangesInFlightMax, requestTimeoutMs, scanKeysPerSecond,
        repairBytesPerSecond, repairKeysPerSecond, listingBytesMax, batchKeysMax, batchBytesMax, workQueueMax,
        tombstoneGraceMs, gcIntervalMs, gcBatchKeysMax, purgeLogEntriesMax, purgeLogRetentionMs);
  }

  public AntiEntropyConfig withTombstoneGraceMs(long v) {
    return new AntiEntropyConfig(treeLevels, exchangeIntervalMs, exchangesInFlightMax, requestTimeoutMs,
        scanKeysPerSecond, repairBytesPerSecond, repairKeysPerSecond, listingBytesMax, batchKeysMax, batchBytesMax,
        workQueueMax, v, gcIntervalMs, gcBatchKeysMax, purgeLogEntriesMax, purgeLogRetentionMs);
  }

  public AntiEntropyConfig withGcIntervalMs(long v) {
    return new AntiEntropyConfig(treeLevels, exchangeIntervalMs, exchangesInFlightMax, requestTimeoutMs,
        scanKeysPerSecond, repairBytesPerSecond, repairKeysPerSecond, listingBytesMax, batchKeysMax, batchBytesMax,
        workQueueMax, tombstoneGraceMs, v, gcBatchKeysMax, purgeLogEntriesMax, purgeLogRetentionMs);
  }

  public AntiEntropyConfig withRates(long scanKeysPerSecond, long repairBytesPerSecond, long repairKeysPerSecond) {
    return new AntiEntropyConfig(treeLevels, exchangeIntervalMs, exchangesInFlightMax, requestTimeoutMs,
        scanKeysPerSecond, repairBytesPerSecond, repairKeysPerSecond, listingBytesMax, batchKeysMax, batchBytesMax,
        workQueueMax, tombstoneGraceMs, gcIntervalMs, gcBatchKeysMax, purgeLogEntriesMax, purgeLogRetentionMs);
  }

  public AntiEntropyConfig withTreeLevels(int v) {
    return new AntiEntropyConfig(v, exchangeIntervalMs, exchangesInFlightMax, requestTimeoutMs, scanKeysPerSecond,
        repairBytesPerSecond, repairKeysPerSecond, listingBytesMax, batchKeysMax, batchBytesMax, workQueueMax,
        tombstoneGraceMs, gcIntervalMs, gcBatchKeysMax, purgeLogEntriesMax, purgeLogRetentionMs);
  }
}
