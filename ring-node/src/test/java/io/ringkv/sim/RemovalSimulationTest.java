package io.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.MemberStatus;
import io.ringkv.node.RequestSettings;
import io.ringkv.ring.Ring;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Where a removal starts: a dead owner becomes REMOVING (still an owner while its ranges are
 * re-replicated), a dead JOINING node is REMOVED at once (it owns nothing; making it an owner would
 * hand the ranges it was about to take to a dead node).
 */
class RemovalSimulationTest {
  @Test
  void aDeadOwnerBecomesRemovingAndADeadJoinerIsRemovedAtOnce() {
    SimCluster c = new SimCluster(5, 4, RequestSettings.defaults(3), null, 64);
    SimCluster.SimNode joiner = c.addNode(MemberStatus.JOINING);
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> n.membership.inTransition()), 60_000);
    Ring before = c.node(0).membership.ring();
    assertEquals(4, before.nodeCount());

    c.kill(4);
    c.kill(3);
    c.sim.runUntil(() -> !c.node(0).membership.isAlive(joiner.id) && !c.node(0).membership.isAlive(c.node(3).id),
        60_000);
    AtomicBoolean joinerNeedsStream = new AtomicBoolean(true);
    AtomicBoolean ownerNeedsStream = new AtomicBoolean(false);
    c.node(0).node.core().execute(() -> {
      joinerNeedsStream.set(c.node(0).membership.startRemoval(joiner.id));
      ownerNeedsStream.set(c.node(0).membership.startRemoval(c.node(3).id));
    });
    c.sim.runFor(5_000);

    assertFalse(joinerNeedsStream.get(), "a JOINING node owns no ranges to re-replicate");
    assertTrue(ownerNeedsStream.get());
    for (int i = 0; i < 3; i++) {
      SimCluster.SimNode n = c.node(i);
      assertEquals(MemberStatus.REMOVED, status(n, joiner.id));
      assertEquals(MemberStatus.REMOVING, status(n, c.node(3).id));
      assertEquals(before, n.membership.ring(), "the removed joiner never became an owner; n4 still is one");
      assertEquals(3, n.membership.futureRing().nodeCount(), "the ring after the removal lacks n4");
    }
  }

  private static MemberStatus status(SimCluster.SimNode n, String id) {
    return n.membership.gossiper().view().get(id).orElseThrow().status();
  }
}
