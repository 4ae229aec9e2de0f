package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Jepsen delete+pause finding (issue 16): after a pause, stand-ins kept copies of keys they wrote for
 * the paused owner, long after every hint was handed off, because writes to the same keys kept arriving
 * while the hint was in flight. A stand-in must end with no copy of a key it does not own once its hints
 * are delivered, whatever arrived meanwhile, and every write it took must reach the owner.
 */
class StandInCopySimulationTest {
  private final AtomicLong ids = new AtomicLong();

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {401, 402, 403, 404, 405, 406})
  void writesThatKeepArrivingWhileHintsAreDeliveredLeaveNoCopyOnTheStandIns(long seed) {
    SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(2);
    run(c, owner, () -> c.pause(owner.index), () -> c.resume(owner.index), 750);
  }

  /**
   * The shape of a partition Jepsen makes: the coordinators cannot reach the owner but the stand-ins can,
   * so the stand-ins deliver hints while new hinted writes for the same keys keep arriving.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {411, 412, 413, 414, 415, 416})
  void standInsThatReachTheOwnerWhileCoordinatorsDoNotEndWithNoCopy(long seed) {
    SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(2);
    run(c, owner, () -> {
      c.network.partition(java.util.Set.of(c.node(0).endpoint, c.node(1).endpoint), java.util.Set.of(owner.endpoint));
      c.network.slowDown(owner.endpoint, 200); // a slow owner: each delivery is long in flight
    }, c.network::heal, 1_500);
  }

  private void run(SimCluster c, SimCluster.SimNode owner, Runnable fault, Runnable heal, int healAt) {
    c.network.setDelay(1, 15);
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < 8; i++) {
      if (c.primaries(bytes("key-" + i)).contains(owner)) {
        keys.add("key-" + i);
      }
    }
    int[] vias = {0, 1, 3, 4};
    fault.run();
    // writes and deletes on the owner's keys every 20 ms, through every other node, before and after the
    // resume, so some arrive at stand-ins while they hand the same keys off
    long writes = 0;
    for (int step = 0; step < 1_500; step++) {
      if (step == healAt) {
        heal.run();
      }
      String k = keys.get(step % keys.size());
      int via = vias[step % vias.length];
      if (step % 5 == 4) {
        c.call(via, new DeleteRequest(ids.incrementAndGet(), bytes(k), null, 0, 0));
      } else {
        c.call(via, new PutRequest(ids.incrementAndGet(), bytes(k), bytes("v" + step), null, 0, 0));
      }
      writes++;
      c.sim.runFor(20);
    }
    if (healAt >= 1_500) {
      heal.run(); // the writes stopped while the stand-ins were handing the same keys off
    }

    c.sim.runUntil(() -> pendingHints(c) == 0, 120_000);
    assertEquals(0, pendingHints(c), "hints still pending (seed " + c.sim.seed() + ")");
    c.sim.runFor(5_000);
    long handedOff = 0;
    for (SimCluster.SimNode n : c.nodes) {
      handedOff += n.handoff == null ? 0 : n.handoff.deliveredCount();
    }
    assertTrue(handedOff > 0, "no hint was handed off: the scenario tests nothing (seed " + c.sim.seed() + ")");
    for (String k : keys) {
      List<SimCluster.SimNode> primaries = c.primaries(bytes(k));
      for (SimCluster.SimNode n : c.nodes) {
        if (!primaries.contains(n)) {
          VersionedObject held = n.storage.get(bytes(k));
          assertEquals(null, held, n.id + " still holds " + k + ", which it does not own, with every hint"
              + " delivered (seed " + c.sim.seed() + ")");
        }
      }
      // what the stand-ins took reached the owner: it holds what the other owners hold
      VersionedObject onOwner = owner.storage.get(bytes(k));
      for (SimCluster.SimNode p : primaries) {
        VersionedObject o = p.storage.get(bytes(k));
        assertTrue(o != null && onOwner != null && onOwner.subsumes(o),
            owner.id + " lacks what " + p.id + " holds of " + k + ": " + onOwner + " vs " + o
                + " (seed " + c.sim.seed() + ")");
      }
    }
  }

  /**
   * The race itself, placed by hand: a hinted write for the owner lands on the stand-in while the stand-in's
   * delivery of the same key is in flight to a slow owner. The ack of the older object must neither drop the
   * newer copy's hint nor leave the newer copy behind: the owner ends with the newer value and the stand-in
   * with nothing.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {421, 422, 423})
  void aHintedWriteThatLandsWhileItsKeyIsBeingHandedOffIsHandedOffToo(long seed) {
    SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(2);
    c.pause(owner.index);
    c.sim.runFor(15_000); // every node convicts the owner
    // the first of the owner's keys that a fallback (not one of its primaries) took a hint for
    String key = null;
    SimCluster.SimNode standIn = null;
    for (int i = 0; standIn == null && i < 200; i++) {
      List<SimCluster.SimNode> p = c.primaries(bytes("key-" + i));
      if (!p.contains(owner)) {
        continue;
      }
      key = "key-" + i;
      c.await(p.contains(c.node(0)) ? 1 : 0, new PutRequest(ids.incrementAndGet(), bytes(key), bytes("older"), null, 0, 0));
      for (SimCluster.SimNode n : c.nodes) {
        if (!p.contains(n) && n.hints.contains(owner.id, bytes(key))) {
          standIn = n;
        }
      }
    }
    assertTrue(standIn != null, "no fallback took a hint (seed " + c.sim.seed() + ")");
    byte[] k = bytes(key);
    SimCluster.SimNode s = standIn;
    String link = s.endpoint + ">" + owner.endpoint + " ReplicaMerge";
    boolean[] placed = {false};
    c.network.trace(line -> {
      if (!placed[0] && line.contains(" send " + link)) {
        placed[0] = true;
        c.sim.after(10, () -> { // what a hinted ReplicaMerge from a coordinator that still sees the owner down does
          VersionedObject cur = s.storage.get(k);
          VersionedObject after = s.storage.write(k, cur.context(), bytes("newer"), s.id, c.sim.nowMs()).current();
          s.handoff.onStored(k, after, owner.id);
        });
      }
    });
    c.network.slowDown(owner.endpoint, 2_000); // the delivery is long in flight
    c.resume(owner.index);
    c.sim.runUntil(() -> placed[0], 60_000);
    assertTrue(placed[0], "the stand-in never handed the key off (seed " + c.sim.seed() + ")");
    c.sim.runFor(3_000);
    c.network.heal();
    c.sim.runUntil(() -> pendingHints(c) == 0, 60_000);
    c.sim.runFor(3_000);
    assertEquals(null, s.storage.get(k), s.id + " kept its copy of " + key + " (seed " + c.sim.seed() + ")");
    VersionedObject onOwner = owner.storage.get(k);
    assertTrue(onOwner != null && onOwner.liveSiblings().stream()
            .anyMatch(x -> new String(x.value(), java.nio.charset.StandardCharsets.UTF_8).equals("newer")),
        owner.id + " lacks the write the stand-in took during the handoff: " + onOwner + " (seed " + c.sim.seed() + ")");
  }

  private static long pendingHints(SimCluster c) {
    long n = 0;
    for (SimCluster.SimNode s : c.nodes) {
      n += s.hints.size();
    }
    return n;
  }
}
