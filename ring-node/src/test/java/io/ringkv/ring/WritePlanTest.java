package io.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The write plan: who gets the write, who mints, how many acknowledgements, what is unavailable. */
class WritePlanTest {
  static final Endpoint A = new Endpoint("h", 1);
  static final Endpoint B = new Endpoint("h", 2);
  static final Endpoint C = new Endpoint("h", 3);
  static final Endpoint D = new Endpoint("h", 4);
  static final Endpoint J = new Endpoint("h", 5);

  private static ClusterView view(List<Replica> targets, List<Replica> primaries, List<Replica> pending) {
    return new ClusterView() {
      @Override
      public List<Replica> targets(byte[] key, int n) {
        return targets;
      }

      @Override
      public List<Replica> pending(byte[] key, int n) {
        return pending;
      }

      @Override
      public List<Replica> primaries(byte[] key, int n) {
        return primaries;
      }

      @Override
      public List<String> ownersOf(long token, int n) {
        return List.of();
      }

      @Override
      public List<NodeInfo> nodes() {
        return List.of();
      }

      @Override
      public int liveNodes() {
        return 0;
      }
    };
  }

  private static final List<Replica> ABC = List.of(Replica.primary("a", A), Replica.primary("b", B),
      Replica.primary("c", C));
  private static final byte[] KEY = {1};

  @Test
  void theCoordinatorMintsWhenItIsAReplicaAndWIsUnchangedWithoutPending() {
    WritePlan p = WritePlan.of(view(ABC, ABC, List.of()), KEY, 3, 2, false, C);
    assertEquals(List.of("c", "a", "b"), p.targets().stream().map(Replica::nodeId).toList());
    assertEquals(2, p.acks());
    assertEquals(3, p.countable());
    assertTrue(p.available(2));
    assertEquals(List.of(), p.ownersWithoutStandIn());
    WritePlan elsewhere = WritePlan.of(view(ABC, ABC, List.of()), KEY, 3, 2, false, D);
    assertEquals("a", elsewhere.targets().get(0).nodeId(), "not a replica: ring order");
  }

  @Test
  void aPendingReplicaGetsTheWriteAndOneMoreAcknowledgement() {
    List<Replica> pending = List.of(Replica.primary("j", J), Replica.primary("b", B)); // b already a target
    WritePlan p = WritePlan.of(view(ABC, ABC, pending), KEY, 3, 2, false, A);
    assertEquals(List.of("a", "b", "c", "j"), p.targets().stream().map(Replica::nodeId).toList());
    assertEquals(3, p.acks());
    assertEquals(3, p.reachable(), "reachable counts the owners' targets, not the pending");
  }

  @Test
  void fallbacksCountOnlyForASloppyQuorumAndUncoveredOwnersAreNamed() {
    // b and c down; one fallback (d) stands in for b, nobody for c
    List<Replica> targets = List.of(Replica.primary("a", A), Replica.of("d", D, "b"));
    WritePlan strict = WritePlan.of(view(targets, ABC, List.of()), KEY, 3, 2, false, A);
    assertEquals(1, strict.countable());
    assertFalse(strict.available(2));
    assertEquals(2, strict.reachable());
    assertEquals(List.of("c"), strict.ownersWithoutStandIn());
    WritePlan sloppy = WritePlan.of(view(targets, ABC, List.of()), KEY, 3, 2, true, A);
    assertEquals(2, sloppy.countable());
    assertTrue(sloppy.available(2));
  }
}
