package io.ringkv.antientropy;

import static io.ringkv.antientropy.RangeExchangeTest.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionVector;
import org.junit.jupiter.api.Test;

/** Throttling, cancellation and the full-range sync that streaming reuses. */
class ExchangeControlTest {
  /** 1,000 objects of 1 KB missing on the peer, pushed at 64 KB/s, take at least their bytes / rate. */
  @Test
  void anExchangeKeepsToTheByteRate() {
    long rate = 64 * 1024;
    AntiEntropyConfig config = RangeExchangeTest.CONFIG.withRates(100_000, rate, 100_000);
    AeHarness h = new AeHarness(3, 2, 2, config);
    StorageEngine a = h.node(0).ae.storage();
    for (int i = 0; i < 1_000; i++) {
      a.write(key(i), VersionVector.EMPTY, new byte[1024], "n1", 1);
    }
    long t0 = h.sim.nowMs();
    RangeExchange.Result r = h.node(0).exchange();
    long elapsed = h.sim.nowMs() - t0;
    // work is charged when done and the next piece waits: the last batch (<= 256 keys of 1 KB) is not waited
    // for, and one second of burst is allowed
    long lastBatch = 256L * 1100;
    long floorMs = (r.bytesSent() + r.bytesReceived() - rate - lastBatch) * 1000 / rate;
    System.out.printf("%d bytes at %d B/s took %d simulated ms (floor %d ms)%n", r.bytesSent() + r.bytesReceived(),
        rate, elapsed, floorMs);
    assertEquals(1_000, r.keysPushed());
    assertTrue(elapsed >= floorMs, "took " + elapsed + " ms, the rate allows no less than " + floorMs);
    assertTrue(elapsed < floorMs * 2 + 2_000, "took " + elapsed + " ms, far slower than the rate");
  }

  /** A running exchange is cancelled when the ring changes, and when its peer goes down. */
  @Test
  void aRunningExchangeIsCancelledByARingChangeOrItsPeerGoingDown() {
    AntiEntropyConfig config = RangeExchangeTest.CONFIG.withRates(100_000, 16 * 1024, 100).withExchangeIntervalMs(1_000);
    AeHarness h = new AeHarness(5, 2, 2, config);
    StorageEngine a = h.node(0).ae.storage();
    for (int i = 0; i < 2_000; i++) {
      a.write(key(i), VersionVector.EMPTY, new byte[100], "n1", 1);
    }
    AntiEntropy ae = h.node(0).ae;
    h.sim.at(h.sim.nowMs(), h.node(0).process, ae::startNextExchange);
    h.sim.runUntil(() -> ae.runningExchanges() == 1, 10_000);
    h.sim.runFor(2_000);
    ae.onRingChanged();
    h.sim.runUntil(() -> ae.runningExchanges() == 0, 10_000);
    assertEquals(1, ae.exchangesCancelled.getCount());

    ae.start(); // ticks every second: starts exchanges, cancels those whose peer is down
    h.sim.runUntil(() -> ae.runningExchanges() == 1, 60_000);
    h.down.add("n2");
    h.sim.runUntil(() -> ae.runningExchanges() == 0, 10_000);
    assertEquals(2, ae.exchangesCancelled.getCount());
    assertEquals(RangeExchange.Outcome.CANCELLED, ae.recentResults().get(ae.recentResults().size() - 1).outcome());
  }

  /** The tree-less sync of every leaf (the streaming seam) brings an empty replica every key of the range. */
  @Test
  void aFullSyncOfEveryLeafCopiesTheRangeToAnEmptyReplica() {
    AeHarness h = new AeHarness(9, 2, 2, RangeExchangeTest.CONFIG);
    StorageEngine b = h.node(1).ae.storage();
    for (int i = 0; i < 3_000; i++) {
      b.write(key(i), VersionVector.EMPTY, new byte[] {(byte) i}, "n2", 1);
    }
    AntiEntropy ae = h.node(0).ae;
    boolean[] started = {false};
    h.sim.at(h.sim.nowMs(), h.node(0).process, () -> started[0] = ae.startFullSync("n1,n2", "n2"));
    h.sim.runUntil(() -> started[0] && ae.runningExchanges() == 0, 600_000);
    RangeExchange.Result r = ae.recentResults().get(0);
    assertEquals(RangeExchange.Outcome.REPAIRED, r.outcome());
    assertEquals(3_000, r.keysFetched());
    RangeExchangeTest.assertConverged(h, 3_000);
  }
}
