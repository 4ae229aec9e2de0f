package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Sloppy quorum and hinted handoff, scenario by scenario, on the simulated cluster with real gossip. */
class HintedHandoffSimulationTest {
  private final AtomicLong ids = new AtomicLong();

  /** Keys whose primaries include {@code owner}. */
  private static List<String> keysOwnedBy(SimCluster c, SimCluster.SimNode owner, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < count; i++) {
      String k = "key-" + i;
      if (c.primaries(bytes(k)).contains(owner)) {
        keys.add(k);
      }
    }
    return keys;
  }

  private void writeAll(SimCluster c, int via, List<String> keys) {
    for (String k : keys) {
      Reply r = c.await(via, new PutRequest(ids.incrementAndGet(), bytes(k), bytes("v-" + k), null, 0, 0));
      assertInstanceOf(PutReply.class, r, () -> k + ": " + r + " (seed " + c.sim.seed() + ")");
    }
  }

  /**
   * Kills {@code owner}, waits until every node convicts it, then writes {@code count} keys it owns
   * through node {@code via}; returns the keys.
   */
  private List<String> writeWhileDown(SimCluster c, SimCluster.SimNode owner, int count, int via) {
    List<String> keys = keysOwnedBy(c, owner, count);
    c.kill(owner.index);
    c.sim.runFor(15_000); // every node convicts the owner
    writeAll(c, via, keys);
    return keys;
  }

  private static long pendingHints(SimCluster c) {
    long n = 0;
    for (SimCluster.SimNode s : c.nodes) {
      n += s.hints.size();
    }
    return n;
  }

  private static void assertOwnerHoldsEverything(SimCluster c, SimCluster.SimNode owner, List<String> keys) {
    for (String k : keys) {
      VersionedObject o = owner.storage.get(bytes(k));
      assertNotNull(o, owner.id + " is missing " + k + " (seed " + c.sim.seed() + ")");
      assertEquals("v-" + k, new String(o.liveSiblings().get(0).value(), StandardCharsets.UTF_8));
    }
  }

  /** Stand-ins drop their copies of keys they are not primaries for, once delivered. */
  private static void assertNoStrayCopies(SimCluster c, List<String> keys) {
    for (String k : keys) {
      List<SimCluster.SimNode> primaries = c.primaries(bytes(k));
      for (SimCluster.SimNode n : c.nodes) {
        if (!primaries.contains(n)) {
          assertNull(n.storage.get(bytes(k)), n.id + " still holds " + k + " for which it is not a primary");
        }
      }
    }
  }

  @Test
  void aFullHintStoreDropsAndCountsTheHintsAndTheWritesStillSucceed() {
    SimCluster c = new SimCluster(23, 5, RequestSettings.defaults(3), 4);
    SimCluster.SimNode owner = c.node(2);
    List<String> keys = writeWhileDown(c, owner, 40, owner.index == 0 ? 1 : 0);
    long stored = 0;
    long dropped = 0;
    for (SimCluster.SimNode n : c.nodes) {
      assertTrue(n.hints.size() <= 4, n.id + " holds " + n.hints.size() + " hints, over its bound of 4");
      stored += n.hints.size();
      if (n.handoff != null) {
        dropped += n.handoff.droppedCount();
      }
    }
    assertEquals(keys.size(), stored + dropped, "every hint is either kept or dropped and counted (seed "
        + c.sim.seed() + ")");
    assertTrue(dropped > 0, "40 hints do not fit in 4 stores of 4");
  }

  @Test
  void writesToADownOwnerGoToStandInsAndAreHandedOffWhenItReturns() {
    SimCluster c = new SimCluster(21, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(2);
    List<String> keys = writeWhileDown(c, owner, 40, owner.index == 0 ? 1 : 0);
    assertEquals(keys.size(), pendingHints(c), "one hint per write for the down owner");

    c.restart(owner.index);
    c.sim.runUntil(() -> pendingHints(c) == 0, 60_000);
    assertOwnerHoldsEverything(c, owner, keys);
    c.sim.runFor(1_000);
    assertNoStrayCopies(c, keys);

    // the owner alone answers with every write it missed
    for (String k : keys) {
      Reply r = c.await(owner.index, new GetRequest(ids.incrementAndGet(), bytes(k), 1, 0));
      assertEquals(1, assertInstanceOf(GetReply.class, r).values().size(), k);
    }
  }

  @Test
  void hintsForANodeRemovedFromTheRingAreRetiredAndTheStandInsKeepTheirCopies() {
    SimCluster c = new SimCluster(23, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(4);
    List<String> keys = writeWhileDown(c, owner, 30, 0);
    assertEquals(keys.size(), pendingHints(c), "one hint per write for the down owner");

    c.node(0).node.core().execute(() -> c.node(0).membership.removeMember(owner.id));
    c.sim.runUntil(() -> pendingHints(c) == 0, 60_000);
    assertEquals(0, pendingHints(c), "hints for a removed node can never be delivered");
    // the writes are still on three nodes: the two live owners and the stand-in (AE and cleanup take it on)
    for (String k : keys) {
      int copies = 0;
      for (SimCluster.SimNode n : c.nodes) {
        if (n != owner && n.storage.get(bytes(k)) != null) {
          copies++;
        }
      }
      assertEquals(3, copies, k + " (seed " + c.sim.seed() + ")");
    }
  }

  @Test
  void aStandInRestartedWithUndeliveredHintsStillHandsThemOff() {
    SimCluster c = new SimCluster(22, 5, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(3);
    List<String> keys = writeWhileDown(c, owner, 30, 0);
    List<SimCluster.SimNode> standIns = new ArrayList<>();
    for (SimCluster.SimNode n : c.nodes) {
      if (n.hints.size() > 0) {
        standIns.add(n);
      }
    }
    assertTrue(!standIns.isEmpty(), "no node took hints");
    for (SimCluster.SimNode s : standIns) {
      c.kill(s.index);
    }
    c.sim.runFor(2_000);
    for (SimCluster.SimNode s : standIns) {
      c.restart(s.index);
    }
    c.restart(owner.index);
    c.sim.runUntil(() -> pendingHints(c) == 0, 90_000);
    assertOwnerHoldsEverything(c, owner, keys);
  }

  @Test
  void withNoSpareNodeTheMinterKeepsHintsForTheDownOwner() {
    // three nodes and N=3: every node is a primary of every key, so no fallback can stand in
    SimCluster c = new SimCluster(23, 3, RequestSettings.defaults(3));
    SimCluster.SimNode owner = c.node(1);
    List<String> keys = writeWhileDown(c, owner, 25, 0);
    assertEquals(keys.size(), pendingHints(c), "the minter keeps one hint per write");
    c.restart(owner.index);
    c.sim.runUntil(() -> pendingHints(c) == 0, 60_000);
    assertOwnerHoldsEverything(c, owner, keys);
    for (SimCluster.SimNode n : c.nodes) {
      for (String k : keys) {
        assertNotNull(n.storage.get(bytes(k)), "a primary dropped its copy of " + k + " after handing it off");
      }
    }
  }
}
