package io.ringkv.antientropy;

import io.ringkv.sim.SimCluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenarios of anti-entropy and tombstone GC on a simulated cluster with real gossip. */
class AntiEntropySimulationTest {
  /** Simulation settings: exchanges every second, a 10 s grace and GC sweeps every 2 s; default rates. */
  static final AntiEntropyConfig SIM = AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(1_000)
      .withTombstoneGraceMs(10_000).withGcIntervalMs(2_000);

  private final AtomicLong ids = new AtomicLong();

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private PutReply put(SimCluster c, int via, String key, String value, int w) {
    Reply r = c.await(via, new PutRequest(ids.incrementAndGet(), bytes(key), bytes(value), null, w, 0));
    return assertInstanceOf(PutReply.class, r, () -> "PUT failed: " + r + " (seed " + c.sim.seed() + ")");
  }

  private GetReply get(SimCluster c, int via, String key, int r) {
    Reply reply = c.await(via, new GetRequest(ids.incrementAndGet(), bytes(key), r, 0));
    return assertInstanceOf(GetReply.class, reply, () -> "GET failed: " + reply + " (seed " + c.sim.seed() + ")");
  }

  private void delete(SimCluster c, int via, String key, int w) {
    GetReply read = get(c, via, key, w);
    Reply r = c.await(via, new DeleteRequest(ids.incrementAndGet(), bytes(key), read.context(), w, 0));
    assertInstanceOf(DeleteReply.class, r, () -> "DELETE failed: " + r + " (seed " + c.sim.seed() + ")");
  }

  private static List<SimCluster.SimNode> primaries(SimCluster c, byte[] key) {
    List<SimCluster.SimNode> out = new ArrayList<>();
    for (String id : c.node(0).membership.ring().owners(key, c.settings.replicationFactor())) {
      out.add(c.nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow());
    }
    return out;
  }

  /** Every primary of every key holds the same object. */
  private static boolean converged(SimCluster c, int keys) {
    for (int i = 0; i < keys; i++) {
      byte[] k = bytes("key-" + i);
      List<SimCluster.SimNode> ps = primaries(c, k);
      VersionedObject first = SimCluster.stored(ps.get(0), k);
      for (SimCluster.SimNode p : ps) {
        VersionedObject o = SimCluster.stored(p, k);
        if (o == null || !o.equals(first)) {
          return false;
        }
      }
    }
    return true;
  }

  private static void wipe(SimCluster.SimNode n) {
    List<byte[]> keys = new ArrayList<>();
    n.storage.forEach((k, o) -> keys.add(k));
    for (byte[] k : keys) {
      n.storage.removeIfUnchanged(k, n.storage.get(k));
    }
  }

  /** (a) A replica whose store was wiped, identity kept, is repaired by anti-entropy alone (no reads, no hints). */
  @Test
  void aWipedReplicaIsFullyRepairedByAntiEntropyAlone() {
    SimCluster c = new SimCluster(11, 4, RequestSettings.defaults(3), SIM, 16);
    int keys = 2_000;
    for (int i = 0; i < keys; i++) {
      put(c, i % 4, "key-" + i, "value-" + i, 3);
    }
    c.sim.runFor(2_000);
    assertTrue(converged(c, keys));
    SimCluster.SimNode victim = c.node(2);
    long held = victim.storage.stats().keys();
    c.kill(2);
    wipe(victim);
    assertEquals(0, victim.storage.stats().keys());
    c.restart(2);
    long t0 = c.sim.nowMs();
    c.sim.runUntil(() -> converged(c, keys), 600_000);
    long repairMs = c.sim.nowMs() - t0;
    long started = 0;
    long repaired = 0;
    for (SimCluster.SimNode n : c.nodes) {
      started += SimCluster.counter(n, "exchanges.started");
      repaired += SimCluster.counter(n, "keys.repaired");
    }
    System.out.printf("wiped replica %s (%d keys) repaired by anti-entropy in %d simulated ms; cluster ran %d"
            + " exchanges and moved %d objects (exchangeIntervalMs=%d, scanKeysPerSecond=%d, repairBytesPerSecond=%d,"
            + " repairKeysPerSecond=%d)%n", victim.id, held, repairMs, started, repaired, SIM.exchangeIntervalMs(),
        SIM.scanKeysPerSecond(), SIM.repairBytesPerSecond(), SIM.repairKeysPerSecond());
    assertEquals(held, victim.storage.stats().keys());
    assertTrue(repairMs < 120_000, "repair took " + repairMs + " ms");
  }

  /** (b) Partition a replica holding the old value, delete, heal, run anti-entropy and GC: stays deleted. */
  @Test
  void aDeleteMissedByAPartitionedReplicaStaysDeletedThroughHealAntiEntropyAndGc() {
    SimCluster c = new SimCluster(21, 3, RequestSettings.defaults(3), SIM, 16);
    String key = "key-0";
    byte[] k = bytes(key);
    put(c, 0, key, "old", 3);
    c.sim.runFor(500);
    SimCluster.SimNode cut = c.node(2);
    c.network.isolate(cut.endpoint);
    c.sim.runFor(10_000); // the others see it down
    delete(c, 0, key, 2);
    assertTrue(SimCluster.stored(cut, k).liveSiblings().size() == 1, "the partitioned replica still holds the old value");
    c.sim.runFor(30_000); // past the grace: no purge while a replica cannot confirm
    for (SimCluster.SimNode n : c.nodes) {
      assertEquals(0, SimCluster.counter(n, "tombstones.purged"), n.id + " purged while a replica was partitioned");
    }
    c.network.heal();
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> SimCluster.stored(n, k) == null), 300_000);
    for (SimCluster.SimNode n : c.nodes) {
      assertNull(SimCluster.stored(n, k), n.id);
    }
    for (int via = 0; via < 3; via++) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1));
    }
    c.sim.runFor(30_000);
    for (SimCluster.SimNode n : c.nodes) {
      assertNull(SimCluster.stored(n, k), n.id + " after more exchanges");
    }
  }

  /**
   * (c) A replica down through the delete blocks the purge; back, it receives the tombstone and the key is
   * purged everywhere. Then a stale hint of the old value arrives, and a replica restored from a snapshot
   * taken before the delete comes back: the key does not resurrect.
   */
  @Test
  void afterThePurgeNeitherAStaleHintNorAReplicaRestoredWithTheOldValueResurrectsTheKey() {
    SimCluster c = new SimCluster(31, 3, RequestSettings.defaults(3), SIM, 16);
    String key = "key-0";
    byte[] k = bytes(key);
    put(c, 0, key, "old", 3);
    c.sim.runFor(500);
    VersionedObject oldValue = SimCluster.stored(c.node(2), k);
    assertNotNull(oldValue);
    c.kill(2); // long down, holding the old value
    c.sim.runFor(10_000);
    delete(c, 0, key, 2);
    c.sim.runFor(60_000); // six grace periods
    assertNotNull(SimCluster.stored(c.node(0), k), "purged while a replica was down");
    c.restart(2);
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> SimCluster.stored(n, k) == null), 300_000);
    c.sim.runFor(1_000); // the purge counters are bumped on the core thread after the purge
    long purged = c.nodes.stream().mapToLong(n -> SimCluster.counter(n, "tombstones.purged")).sum();
    assertEquals(3, purged, "every replica purged its tombstone once");

    // a hint of the old value delivered late (ReplicaMerge, as handoff and read repair send it)
    for (SimCluster.SimNode n : c.nodes) {
      n.node.onMessage(new Endpoint("10.0.0.99", 7000), new ReplicaMerge(ids.incrementAndGet(), k, oldValue, null));
    }
    c.sim.runFor(5_000);
    for (SimCluster.SimNode n : c.nodes) {
      assertNull(SimCluster.stored(n, k), n.id + " stored a stale hint");
    }

    // a replica restored from a snapshot that predates the delete
    c.kill(1);
    c.node(1).storage.merge(k, oldValue);
    c.restart(1);
    c.sim.runFor(1_000);
    for (int via : new int[] {0, 2}) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1) + " resurrected the key");
    }
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> SimCluster.stored(n, k) == null || SimCluster.stored(n, k).liveSiblings().isEmpty()),
        300_000);
    c.sim.runFor(60_000);
    for (SimCluster.SimNode n : c.nodes) {
      VersionedObject o = SimCluster.stored(n, k);
      assertTrue(o == null || o.liveSiblings().isEmpty(), n.id + " holds " + o);
    }
    for (int via = 0; via < 3; via++) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1));
    }
  }

  /**
   * Purges the key everywhere, restarts every node from its store and (if {@code dataRoot} is set) its
   * purge log, then delivers a stale hint of the old value to every node. Returns the cluster and the old
   * value after the delivery.
   */
  private Restarted purgeRestartAndDeliverAStaleHint(long seed, Path dataRoot) {
    SimCluster c = new SimCluster(seed, 3, RequestSettings.defaults(3), SIM, 16, dataRoot);
    String key = "key-0";
    byte[] k = bytes(key);
    put(c, 0, key, "old", 3);
    c.sim.runFor(500);
    VersionedObject oldValue = SimCluster.stored(c.node(1), k);
    assertNotNull(oldValue);
    delete(c, 0, key, 3);
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> SimCluster.stored(n, k) == null), 300_000);
    c.sim.runFor(1_000);
    assertEquals(3, c.nodes.stream().mapToLong(n -> SimCluster.counter(n, "tombstones.purged")).sum(),
        "every replica purged its tombstone (seed " + seed + ")");

    // a full restart (a rolling upgrade, a power cut): every node comes back from its data directory
    for (int i = 0; i < 3; i++) {
      c.kill(i);
    }
    for (int i = 0; i < 3; i++) {
      c.restart(i);
    }
    c.sim.runUntil(c::ringComplete, 60_000);
    c.sim.runFor(10_000);

    // a hint of the old value, delivered late (ReplicaMerge, as handoff and read repair send it)
    for (SimCluster.SimNode n : c.nodes) {
      n.node.onMessage(new Endpoint("10.0.0.99", 7000), new ReplicaMerge(ids.incrementAndGet(), k, oldValue, null));
    }
    c.sim.runFor(200); // merged; too soon for any anti-entropy exchange (every 1 s) to have undone it
    return new Restarted(c, oldValue);
  }

  private record Restarted(SimCluster cluster, VersionedObject oldValue) {}

  private static long purgeLogSize(SimCluster.SimNode n) {
    return ((Number) n.metrics.getGauges().get("ringkv.antientropy.purgelog.size").getValue()).longValue();
  }

  /**
   * (d) The purge log is durable: after the key is purged everywhere and every node restarts from its data
   * directory, a stale hint of the old value is refused by every node, and a replica restored from a
   * snapshot taken before the delete does not bring the key back. The same scenario with the log in
   * memory (no data directory) resurrects the key: the restart forgot the purges.
   */
  @Test
  void afterAFullRestartThePurgeLogStillRefusesAStaleHintAndARestoredReplica(@TempDir Path data) {
    Restarted run = purgeRestartAndDeliverAStaleHint(41, data);
    SimCluster c = run.cluster();
    VersionedObject oldValue = run.oldValue();
    String key = "key-0";
    byte[] k = bytes(key);
    for (SimCluster.SimNode n : c.nodes) {
      assertNull(SimCluster.stored(n, k), n.id + " stored a stale hint after its restart");
      assertEquals(1, purgeLogSize(n), n.id + " reloaded its purge log");
    }
    for (int via = 0; via < 3; via++) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1));
    }

    // a replica restored from a snapshot that predates the delete, then exchanges with the others
    c.kill(1);
    c.node(1).storage.merge(k, oldValue);
    c.restart(1);
    c.sim.runFor(1_000);
    for (int via : new int[] {0, 2}) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1) + " resurrected the key");
    }
    c.sim.runFor(30_000);
    for (SimCluster.SimNode n : c.nodes) {
      VersionedObject o = SimCluster.stored(n, k);
      assertTrue(o == null || o.liveSiblings().isEmpty(), n.id + " holds " + o);
    }
    for (int via = 0; via < 3; via++) {
      assertEquals(0, get(c, via, key, 3).values().size(), "read via n" + (via + 1));
    }

    // the contrast: the same run with the purge log in memory resurrects the key
    SimCluster v = purgeRestartAndDeliverAStaleHint(41, null).cluster();
    for (SimCluster.SimNode n : v.nodes) {
      assertEquals(0, purgeLogSize(n), n.id);
      assertNotNull(SimCluster.stored(n, k), n.id + " kept the stale hint: its restart forgot the purge");
    }
    assertEquals(List.of("old"), get(v, 0, key, 3).values().stream()
        .map(b -> new String(b, StandardCharsets.UTF_8)).toList(), "without the file the deleted value is back");
  }
}
