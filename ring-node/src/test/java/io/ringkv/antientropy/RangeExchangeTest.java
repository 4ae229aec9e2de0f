package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Exchanges between two replicas of one range (N=2 on two nodes: one replicated range). */
class RangeExchangeTest {
  static final AntiEntropyConfig CONFIG = AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(3_600_000);

  static byte[] key(int i) {
    return ("user:" + i).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes key i on {@code a} and replicates it to {@code b}. */
  static void writeBoth(StorageEngine a, StorageEngine b, int i, byte[] value, long now) {
    VersionedObject o = a.write(key(i), VersionVector.EMPTY, value, "n1", now).current();
    b.merge(key(i), o);
  }

  static void assertConverged(AeHarness h, int keys) {
    StorageEngine a = h.node(0).ae.storage();
    StorageEngine b = h.node(1).ae.storage();
    for (int i = 0; i < keys; i++) {
      assertEquals(a.get(key(i)), b.get(key(i)), "key " + i + " (seed " + h.sim.seed() + ")");
    }
    TreeLayout la = ((AntiEntropyStorage) a).layout();
    TreeLayout lb = ((AntiEntropyStorage) b).layout();
    assertEquals(la.tree("n1,n2").root(), lb.tree("n1,n2").root());
  }

  /**
   * The exchange moves exactly the keys that differ: it fetches what the peer holds differently, and
   * pushes back only what the peer's object did not already subsume.
   */
  @Property(tries = 15)
  void anExchangeRepairsExactlyTheDifferingKeys(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int diffs) {
    AeHarness h = new AeHarness(seed, 2, 2, CONFIG);
    StorageEngine a = h.node(0).ae.storage();
    StorageEngine b = h.node(1).ae.storage();
    int keys = 2_000;
    for (int i = 0; i < keys; i++) {
      writeBoth(a, b, i, new byte[] {(byte) i}, 1);
    }
    Random r = new Random(seed);
    int expectFetch = 0;
    int expectPush = 0;
    boolean[] touched = new boolean[keys + 400];
    for (int d = 0; d < diffs; d++) {
      int i = r.nextInt(keys + 400);
      if (touched[i]) {
        continue;
      }
      touched[i] = true;
      boolean existed = i < keys;
      switch (r.nextInt(3)) {
        case 0 -> { // only a changed it (or only a has it)
          a.write(key(i), VersionVector.EMPTY, new byte[] {9}, "n1", 2);
          expectPush++;
          if (existed) {
            expectFetch++; // b's (older) object differs from a's too
          }
        }
        case 1 -> {
          b.write(key(i), VersionVector.EMPTY, new byte[] {8}, "n2", 2);
          expectFetch++; // b's object subsumes a's: after the merge a holds b's object, nothing to push
        }
        default -> { // both changed it concurrently
          a.write(key(i), VersionVector.EMPTY, new byte[] {7}, "n1", 2);
          b.write(key(i), VersionVector.EMPTY, new byte[] {6}, "n2", 2);
          expectFetch++;
          expectPush++;
        }
      }
    }
    RangeExchange.Result result = h.node(0).exchange();
    assertEquals(expectFetch, result.keysFetched(), "fetched (seed " + seed + ")");
    assertEquals(expectPush, result.keysPushed(), "pushed (seed " + seed + ")");
    assertEquals(expectFetch + expectPush == 0 ? RangeExchange.Outcome.IN_SYNC : RangeExchange.Outcome.REPAIRED,
        result.outcome());
    assertConverged(h, keys + 400);
    assertEquals(RangeExchange.Outcome.IN_SYNC, h.node(1).exchange().outcome());
  }

  /** Measures the wire cost of an exchange of a 10,000-key range in sync and with 1% of keys differing. */
  @Test
  void costOfAnExchangeOfATenThousandKeyRange() {
    AeHarness h = new AeHarness(7, 2, 2, CONFIG);
    StorageEngine a = h.node(0).ae.storage();
    StorageEngine b = h.node(1).ae.storage();
    byte[] value = new byte[100];
    for (int i = 0; i < 10_000; i++) {
      writeBoth(a, b, i, value, 1);
    }
    h.resetCounters();
    RangeExchange.Result inSync = h.node(0).exchange();
    assertEquals(RangeExchange.Outcome.IN_SYNC, inSync.outcome());
    long inSyncBytes = h.wireBytes;
    System.out.printf("in-sync exchange of 10,000 keys: %d messages, %d bytes on the wire %s%n", h.messages,
        inSyncBytes, fmt(h));
    assertEquals(2, h.messages, "one root request and one root reply");
    assertTrue(inSyncBytes < 100, "in sync moves only the root hashes: " + inSyncBytes);

    Random r = new Random(1);
    for (int d = 0; d < 100; d++) {
      int i = r.nextInt(10_000);
      VersionedObject cur = b.get(key(i));
      b.write(key(i), cur.context(), Arrays.copyOf(value, 101), "n2", 2);
    }
    h.resetCounters();
    long t0 = h.sim.nowMs();
    RangeExchange.Result repaired = h.node(0).exchange();
    System.out.printf("1%% differing exchange: %d messages, %d bytes on the wire, %d keys compared, %d fetched,"
            + " %d pushed, %d ms simulated %s%n", h.messages, h.wireBytes, repaired.keysCompared(),
        repaired.keysFetched(), repaired.keysPushed(), h.sim.nowMs() - t0, fmt(h));
    assertEquals(RangeExchange.Outcome.REPAIRED, repaired.outcome());
    assertConverged(h, 10_000);
  }

  /**
   * Measures a full repair of an empty replica of a 100,000-key range (100-byte values) in one exchange
   * at the default rates: every leaf differs, the listing takes rounds of {@code listingBytesMax}.
   */
  @Test
  void repairOfAnEmptyReplicaOfAHundredThousandKeyRangeAtTheDefaultRates() {
    AeHarness h = new AeHarness(13, 2, 2, CONFIG);
    StorageEngine b = h.node(1).ae.storage();
    byte[] value = new byte[100];
    int keys = 100_000;
    for (int i = 0; i < keys; i++) {
      b.write(key(i), VersionVector.EMPTY, value, "n2", 1);
    }
    long t0 = h.sim.nowMs();
    RangeExchange.Result r = h.node(0).exchange();
    long ms = h.sim.nowMs() - t0;
    System.out.printf("empty replica of %,d keys repaired in one exchange: %,d simulated ms, %,d messages, %,d bytes,"
            + " %,d fetched (scanKeysPerSecond=%d, repairBytesPerSecond=%d, repairKeysPerSecond=%d) %s%n", keys, ms,
        h.messages, h.wireBytes, r.keysFetched(), CONFIG.scanKeysPerSecond(), CONFIG.repairBytesPerSecond(),
        CONFIG.repairKeysPerSecond(), fmt(h));
    assertEquals(keys, r.keysFetched());
    assertEquals(keys, h.node(0).raw.stats().keys());
    long floor = (keys - CONFIG.repairKeysPerSecond()) * 1000 / CONFIG.repairKeysPerSecond();
    assertTrue(ms >= floor, "the key rate allows no less than " + floor + " ms, took " + ms);
  }

  private static String fmt(AeHarness h) {
    StringBuilder sb = new StringBuilder("{");
    h.bytesByType.forEach((k, v) -> sb.append(k).append('=').append(v[0]).append("x/").append(v[1]).append("B "));
    return sb.append('}').toString();
  }
}
