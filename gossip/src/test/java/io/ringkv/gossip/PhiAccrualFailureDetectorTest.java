package io.ringkv.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiAccrualFailureDetectorTest {
  private final GossipConfig config = GossipConfig.defaults();

  /** First time phi reaches the threshold after the last heartbeat at {@code lastMs}, stepping 1 ms. */
  private static long convictionDelayMs(PhiAccrualFailureDetector fd, String id, long lastMs) {
    for (long t = lastMs; t < lastMs + 60_000; t++) {
      if (!fd.isAvailable(id, t)) {
        return t - lastMs;
      }
    }
    throw new AssertionError("never convicted within 60 s");
  }

  @Test
  void unknownMemberHasPhiZeroAndIsAvailable() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    assertEquals(0.0, fd.phi("x", 1_000_000));
    assertTrue(fd.isAvailable("x", 1_000_000));
    assertFalse(fd.isMonitoring("x"));
  }

  @Test
  void regularHeartbeatsKeepPhiLow() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    long t = 10_000;
    for (int i = 0; i < 100; i++, t += 1000) {
      fd.heartbeat("a", t);
      // just before the next heartbeat is due, phi is ~0
      assertTrue(fd.phi("a", t + 999) < 0.5, "phi at heartbeat " + i + " = " + fd.phi("a", t + 999));
    }
  }

  @Test
  void steadyOneSecondHeartbeatsAreConvictedAbout4520MsAfterTheLastOne() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    long t = 0;
    for (int i = 0; i < 200; i++, t += 1000) {
      fd.heartbeat("a", t);
    }
    long last = t - 1000;
    // mean 1000 + pause 3000, stddev floored at 100: phi 8 at y ~ 5.22 sigma -> ~4522 ms
    long delay = convictionDelayMs(fd, "a", last);
    assertTrue(delay >= 4500 && delay <= 4560, "convicted after " + delay + " ms");
    assertTrue(fd.phi("a", last + 4000) < 1.0);
  }

  @Test
  void jitteryHeartbeatsTakeLongerToConvict() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    long t = 0;
    for (int i = 0; i < 200; i++) {
      fd.heartbeat("a", t);
      t += (i % 2 == 0) ? 500 : 1500; // mean 1000, stddev 500: gossip's indirect arrival
    }
    long last = t - ((199 % 2 == 0) ? 500 : 1500);
    long delay = convictionDelayMs(fd, "a", last);
    // 4000 + 5.22 * ~500 -> ~6.6 s
    assertTrue(delay >= 6400 && delay <= 6800, "convicted after " + delay + " ms");
  }

  @Test
  void aMemberLearnedAboutOnceIsConvictedFromTheFirstHeartbeatEstimate() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    fd.heartbeat("a", 0);
    // bootstrap window 750/1250: mean 1000 + 3000, stddev 250 -> ~5.3 s
    long delay = convictionDelayMs(fd, "a", 0);
    assertTrue(delay >= 5200 && delay <= 5400, "convicted after " + delay + " ms");
  }

  @Test
  void phiGrowsMonotonicallyAfterTheLastHeartbeat() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    for (long t = 0; t <= 20_000; t += 1000) {
      fd.heartbeat("a", t);
    }
    double previous = -1;
    for (long t = 20_000; t < 30_000; t += 100) {
      double phi = fd.phi("a", t);
      assertTrue(phi >= previous, "phi fell at " + t);
      previous = phi;
    }
  }

  @Test
  void resumedHeartbeatsBringPhiBackDownAndRemoveForgets() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(config);
    for (long t = 0; t <= 20_000; t += 1000) {
      fd.heartbeat("a", t);
    }
    assertFalse(fd.isAvailable("a", 40_000));
    fd.heartbeat("a", 40_000);
    assertTrue(fd.isAvailable("a", 40_001));
    fd.remove("a");
    assertFalse(fd.isMonitoring("a"));
    assertEquals(0, fd.trackedMembers());
  }

  @Test
  void windowIsBoundedAndTrackedMembersAreBounded() {
    PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(8.0, 10, 100, 0, 1000, 2);
    // 10-sample window: after 10 intervals of 5000 the early 100 ms intervals are gone
    long t = 0;
    for (int i = 0; i < 50; i++, t += 100) {
      fd.heartbeat("a", t);
    }
    for (int i = 0; i < 11; i++) {
      t += 5000;
      fd.heartbeat("a", t);
    }
    assertTrue(fd.isAvailable("a", t + 5500), "mean should have moved to 5000");
    fd.heartbeat("b", 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> fd.heartbeat("c", 0));
    assertTrue(e.getMessage().contains("'c'"));
  }
}
