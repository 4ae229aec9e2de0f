package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.MemberStatus;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.ring.Ring;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Writes while the ring changes: a JOINING node is a pending replica of the ranges it will own, so the
 * writes acknowledged while it joins are on it the moment it owns them (the simulation streams nothing:
 * without the pending writes it would hold none of them).
 */
class RangeMovementSimulationTest {
  private final AtomicLong ids = new AtomicLong();

  private PutRequest put(String key, String value) {
    return new PutRequest(ids.incrementAndGet(), bytes(key), bytes(value), null, 0, 0);
  }

  @Test
  void writesAcknowledgedWhileANodeJoinsAreOnItWhenItOwnsTheirKeys() {
    for (long seed = 1; seed <= 5; seed++) {
      SimCluster c = new SimCluster(seed, 3, RequestSettings.defaults(2), null, 64);
      SimCluster.SimNode joiner = c.addNode(MemberStatus.JOINING);
      c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> n.membership.inTransition()), 60_000);
      assertEquals(3, c.node(0).membership.ring().nodeCount(), "a JOINING node owns nothing yet");

      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String k = "k" + i;
        Reply r = c.await(i % 3, put(k, "v" + i));
        assertInstanceOf(PutReply.class, r, "seed " + seed + ": " + r);
        keys.add(k);
      }

      joiner.membership.setLocalStatus(MemberStatus.UP);
      c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> n.membership.ring().nodeCount() == 4
          && !n.membership.inTransition()), 60_000);
      Ring ring = c.node(0).membership.ring();
      int owned = 0;
      for (int i = 0; i < keys.size(); i++) {
        byte[] key = bytes(keys.get(i));
        if (ring.owners(key, 2).contains(joiner.id)) {
          owned++;
          VersionedObject o = SimCluster.stored(joiner, key);
          assertNotNull(o, "seed " + c.sim.seed() + ": the new owner lacks " + keys.get(i)
              + ", written while it was JOINING");
          assertEquals("v" + i, new String(o.siblings().get(0).value()));
        }
      }
      assertTrue(owned > 40, "the joiner owns only " + owned + " of 200 keys");
    }
  }

  @Test
  void aWriteWhileANodeJoinsNeedsTheJoinersAcknowledgementOnTopOfTheQuorum() {
    SimCluster c = new SimCluster(3, 3, RequestSettings.defaults(2), null, 64);
    SimCluster.SimNode joiner = c.addNode(MemberStatus.JOINING);
    c.sim.runUntil(() -> c.nodes.stream().allMatch(n -> n.membership.inTransition()), 60_000);
    // a key the joiner will own, written through a node that is a current owner
    String key = null;
    for (int i = 0; key == null; i++) {
      byte[] k = bytes("x" + i);
      if (c.node(0).membership.futureRing().owners(k, 2).contains(joiner.id)
          && c.node(0).membership.ring().owners(k, 2).contains(c.node(0).id)) {
        key = "x" + i;
      }
    }
    PutReply ok = assertInstanceOf(PutReply.class, c.await(0, put(key, "a")));
    assertEquals(3, ok.acks(), "W=2 on the owners plus the pending joiner");
  }
}
