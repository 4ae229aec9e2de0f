package io.ringkv.gossip;

import static io.ringkv.gossip.GossipSimulation.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class GossipConvergenceProperties {

  /**
   * Whatever the seed and with a fifth of all messages lost, nodes that only know one seed converge
   * on the same membership (ids, statuses, tokens, activities), and status and activity changes made on
   * one node reach all.
   */
  @Property(tries = 25)
  void lossyGossipConverges(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 2, max = 8) int nodes) {
    GossipSimulation sim = new GossipSimulation(seed, GossipConfig.defaults());
    sim.dropRate = 0.2;
    for (int i = 1; i <= nodes; i++) {
      sim.add("n" + i, i, List.of(endpoint(1)));
    }
    sim.rounds(15);
    sim.node(nodes).setLocalStatus(MemberStatus.LEAVING);
    sim.node(nodes).setLocalActivity("leaving: 1%");
    sim.node(1).setLocalActivity("streaming to n" + nodes + ": 7%");
    sim.rounds(15);
    MembershipView reference = sim.node(1).view();
    assertEquals(nodes, reference.size(), "seed " + seed + ": " + reference);
    for (int i = 1; i <= nodes; i++) {
      MembershipView v = sim.node(i).view();
      assertEquals(nodes, v.size(), "seed " + seed + ", n" + i + ": " + v);
      for (Member m : reference.members()) {
        Member mine = v.get(m.id()).orElseThrow();
        assertEquals(List.of(m.status(), m.tokens(), m.generation(), m.activity()),
            List.of(mine.status(), mine.tokens(), mine.generation(), mine.activity()),
            "seed " + seed + ", n" + i + " on " + m.id());
      }
      assertEquals(MemberStatus.LEAVING, v.get("n" + nodes).orElseThrow().status(), "seed " + seed);
      assertEquals("leaving: 1%", v.get("n" + nodes).orElseThrow().activity(), "seed " + seed);
    }
  }
}
