package io.ringkv.gossip;

import static io.ringkv.gossip.GossipSimulation.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.GossipPayload.Ack;
import io.ringkv.gossip.GossipPayload.Syn;
import io.ringkv.gossip.MembershipEvent.Joined;
import io.ringkv.gossip.MembershipEvent.LivenessChanged;
import io.ringkv.gossip.MembershipEvent.PeerRejected;
import io.ringkv.gossip.MembershipEvent.Rejected;
import io.ringkv.gossip.MembershipEvent.Restarted;
import io.ringkv.gossip.MembershipEvent.StatusChanged;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GossiperTest {
  private static final long SEED = 42;
  private final GossipConfig config = GossipConfig.defaults();

  private GossipSimulation fiveNodesJoinedThroughOneSeed() {
    GossipSimulation sim = new GossipSimulation(SEED, config);
    List<Endpoint> seeds = List.of(endpoint(1));
    for (int i = 1; i <= 5; i++) {
      sim.add("n" + i, i, seeds);
    }
    sim.rounds(6);
    return sim;
  }

  private static <T> List<T> ofType(List<MembershipEvent> events, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (MembershipEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  @Test
  void nodesJoinThroughASeedAndEveryNodeLearnsEveryOtherOnce() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    for (int i = 1; i <= 5; i++) {
      Gossiper g = sim.node(i);
      assertEquals(5, g.view().size(), "view of n" + i + ": " + g.view());
      assertTrue(g.hasJoined());
      List<Joined> joined = ofType(sim.eventsOf(i), Joined.class);
      assertEquals(4, joined.size(), "one Joined per other member at n" + i);
      for (int j = 1; j <= 5; j++) {
        assertTrue(g.isAlive("n" + j, sim.nowMs), "n" + i + " sees n" + j + " alive");
      }
    }
  }

  @Test
  void aNodeLearnsWhichPeersHoldItsCurrentState() {
    GossipSimulation sim = new GossipSimulation(SEED, config);
    sim.add("n1", 1, List.of());
    Gossiper joiner = sim.add("n2", 2, List.of(endpoint(1)));
    long joining = joiner.localMember().stateVersion();
    assertFalse(joiner.peerHoldsLocalState("n1", joining), "no exchange yet");
    sim.round(); // n2's Syn reaches n1, which does not know n2 yet and asks for it
    assertFalse(joiner.peerHoldsLocalState("n1", joining), "n1 asked for n2's state: it did not hold it");
    sim.rounds(3);
    assertTrue(joiner.peerHoldsLocalState("n1", joining), "n1 has shown it holds n2's state");
    assertFalse(joiner.peerHoldsLocalState("n3", joining), "a peer never heard from");

    joiner.setLocalStatus(MemberStatus.LEAVING);
    long leaving = joiner.localMember().stateVersion();
    assertTrue(leaving > joining);
    assertFalse(joiner.peerHoldsLocalState("n1", leaving), "the new state has not been exchanged yet");
    sim.rounds(3);
    assertTrue(joiner.peerHoldsLocalState("n1", leaving));

    // n1 restarts with an empty view: its first Syn shows it no longer holds n2
    Gossiper restarted = sim.add("n1", 1, 2, GossipSimulation.METADATA, List.of());
    joiner.onSyn(endpoint(1), new Syn("n1", GossipSimulation.METADATA, restarted.view().digests()), sim.nowMs);
    assertFalse(joiner.peerHoldsLocalState("n1", joining), "a restarted peer's Syn without n2 resets what it holds");
  }

  @Test
  void anAckToAnOlderSynDoesNotVouchForANewerState() {
    GossipSimulation sim = new GossipSimulation(SEED, config);
    Gossiper seed = sim.add("n1", 1, List.of());
    Gossiper joiner = sim.add("n2", 2, List.of(endpoint(1)));
    sim.rounds(4);
    long before = joiner.localMember().stateVersion();
    Syn older = (Syn) joiner.tick(sim.nowMs).outbound().get(0).payload();
    // before that Syn arrives, n1 learns n2's current state through a round of its own
    Syn fromSeed = (Syn) seed.tick(sim.nowMs).outbound().get(0).payload();
    seed.onAck(endpoint(2), (Ack) joiner.onSyn(endpoint(1), fromSeed, sim.nowMs).outbound().get(0).payload(),
        sim.nowMs);
    // so its Ack to the older Syn asks nothing of n2: it vouches for the state that Syn carried
    Ack answer = (Ack) seed.onSyn(endpoint(2), older, sim.nowMs).outbound().get(0).payload();
    assertTrue(answer.requests().stream().noneMatch(d -> d.id().equals("n2")), "n1 holds n2's state as sent");
    joiner.setLocalStatus(MemberStatus.LEAVING);
    long leaving = joiner.localMember().stateVersion();
    joiner.tick(sim.nowMs + config.gossipIntervalMs()); // a newer Syn leaves before the older one's Ack is back
    joiner.onAck(endpoint(1), answer, sim.nowMs + config.gossipIntervalMs());
    assertFalse(joiner.peerHoldsLocalState("n1", leaving), "n1 answered a Syn that carried the older state");
    assertTrue(joiner.peerHoldsLocalState("n1", before), "it did answer the older one");
  }

  @Test
  void inTheSteadyStateOnlyHeartbeatDigestsTravelNotWholeStates() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    sim.rounds(2);
    sim.statesDelivered = 0;
    sim.heartbeatsDelivered = 0;
    sim.rounds(10);
    assertEquals(0, sim.statesDelivered, "no tokens resent while nothing but heartbeats changes");
    assertTrue(sim.heartbeatsDelivered > 50, "heartbeats " + sim.heartbeatsDelivered);
    for (int i = 1; i <= 5; i++) {
      for (int j = 1; j <= 5; j++) {
        assertTrue(sim.node(i).isAlive("n" + j, sim.nowMs));
        assertEquals(sim.node(j).localMember().version(),
            sim.node(i).view().get("n" + j).orElseThrow().version(), 2.0, "heartbeat versions keep flowing");
      }
    }
    sim.node(3).setLocalStatus(MemberStatus.LEAVING);
    sim.rounds(4);
    assertTrue(sim.statesDelivered >= 4, "a status change travels as a whole state");
  }

  @Test
  void sameSeedGivesTheSameExchange() {
    assertEquals(fiveNodesJoinedThroughOneSeed().trace, fiveNodesJoinedThroughOneSeed().trace);
    GossipSimulation other = new GossipSimulation(SEED + 1, config);
    for (int i = 1; i <= 5; i++) {
      other.add("n" + i, i, List.of(endpoint(1)));
    }
    other.rounds(6);
    assertNotEquals(fiveNodesJoinedThroughOneSeed().trace, other.trace);
  }

  @Test
  void aStoppedNodeIsConvictedOnceByEveryoneAndComesBackAfterRestart() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    sim.rounds(20);
    long stoppedAt = sim.nowMs;
    sim.stop(5);
    long convictedAt = -1;
    for (int r = 0; r < 20 && convictedAt < 0; r++) {
      sim.round();
      if (!sim.node(1).isAlive("n5", sim.nowMs)) {
        convictedAt = sim.nowMs;
      }
    }
    long delay = convictedAt - stoppedAt;
    System.out.println("n5 convicted by n1 " + delay + " ms after it stopped (gossip every "
        + config.gossipIntervalMs() + " ms, seed " + SEED + ")");
    assertTrue(delay >= 4000 && delay <= 8000, "convicted " + delay + " ms after the stop");
    sim.rounds(3);
    for (int i = 1; i <= 4; i++) {
      List<LivenessChanged> changes = ofType(sim.eventsOf(i), LivenessChanged.class);
      assertEquals(1, changes.size(), "n" + i + ": " + changes);
      assertEquals("n5", changes.get(0).id());
      assertFalse(changes.get(0).alive());
      assertTrue(changes.get(0).phi() >= 8.0);
      assertEquals(5, sim.node(i).view().size(), "a down node keeps its place in the view");
    }

    sim.add("n5", 5, 2, GossipSimulation.METADATA, List.of(endpoint(1)));
    sim.rounds(4);
    for (int i = 1; i <= 4; i++) {
      assertTrue(sim.node(i).isAlive("n5", sim.nowMs));
      List<Restarted> restarts = ofType(sim.eventsOf(i), Restarted.class);
      assertEquals(List.of(new Restarted("n5", 1, 2)), restarts);
      List<LivenessChanged> changes = ofType(sim.eventsOf(i), LivenessChanged.class);
      assertEquals(2, changes.size());
      assertTrue(changes.get(1).alive());
    }
  }

  @Test
  void aPartitionHealsThroughDownPeerGossip() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    sim.partition(Set.of(endpoint(4), endpoint(5)));
    sim.rounds(10);
    assertFalse(sim.node(1).isAlive("n4", sim.nowMs));
    assertFalse(sim.node(5).isAlive("n2", sim.nowMs));
    sim.heal();
    sim.rounds(6);
    for (int i = 1; i <= 5; i++) {
      for (int j = 1; j <= 5; j++) {
        assertTrue(sim.node(i).isAlive("n" + j, sim.nowMs), "n" + i + " sees n" + j + " after heal");
      }
    }
  }

  @Test
  void aNodeWithAnotherReplicationFactorIsRefusedLoudlyAndNeverMerged() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    sim.add("bad", 9, 1, new ClusterMetadata("ringkv", 2, "any"), List.of(endpoint(1)));
    sim.rounds(2);
    List<Rejected> rejected = ofType(sim.eventsOf(9), Rejected.class);
    assertFalse(rejected.isEmpty());
    assertEquals("replication factor mismatch: this node has 2, cluster 'ringkv' has 3", rejected.get(0).reason());
    assertTrue(rejected.get(0).fatal(), "a newcomer that never joined must exit");
    assertEquals(1, sim.node(9).view().size());
    assertFalse(sim.node(1).view().contains("bad"));
    assertFalse(ofType(sim.eventsOf(1), PeerRejected.class).isEmpty());
    for (int i = 1; i <= 5; i++) {
      assertFalse(sim.node(i).view().contains("bad"));
    }
  }

  @Test
  void clusterNameAndKeyFormatMismatchesNameBothValues() {
    ClusterMetadata ours = GossipSimulation.METADATA;
    assertEquals("cluster name mismatch: this node has 'other', the peer belongs to cluster 'ringkv'",
        ours.incompatibilityWith(new ClusterMetadata("other", 3, "any")).orElseThrow());
    assertEquals("key format mismatch: this node has 'uuid4', cluster 'ringkv' has 'any'",
        ours.incompatibilityWith(new ClusterMetadata("ringkv", 3, "uuid4")).orElseThrow());
    assertTrue(ours.incompatibilityWith(new ClusterMetadata("ringkv", 3, "any")).isEmpty());
  }

  @Test
  void aRejectionSeenByAMemberOfTheClusterIsNotFatal() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    Gossiper n1 = sim.node(1);
    GossipResult r = n1.onReject(endpoint(9), new GossipPayload.Reject("bad", "x"));
    assertEquals(List.of(new Rejected(endpoint(9), "x", false)), r.events());
  }

  @Test
  void localStatusChangesSpreadAndMarkTheRingChanged() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    GossipResult r = sim.node(2).setLocalStatus(MemberStatus.LEAVING);
    assertTrue(r.ringChanged());
    assertEquals(MemberStatus.LEAVING, sim.node(2).localMember().status());
    sim.rounds(4);
    for (int i = 1; i <= 5; i++) {
      assertEquals(MemberStatus.LEAVING, sim.node(i).view().get("n2").orElseThrow().status());
      if (i != 2) {
        assertEquals(List.of(new StatusChanged("n2", MemberStatus.UP, MemberStatus.LEAVING)),
            ofType(sim.eventsOf(i), StatusChanged.class));
      }
    }
  }

  @Test
  void localActivitySpreadsAsAWholeStateWithoutTouchingTheRing() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    sim.rounds(2);
    long before = sim.node(3).localMember().version();
    GossipResult r = sim.node(3).setLocalActivity("leaving: 42% (42 of 100 keys, 4.2 KiB), ETA 3 s");
    assertEquals(GossipResult.EMPTY, r, "no ring change, no event, nothing sent before the next round");
    assertEquals(before + 1, sim.node(3).localMember().stateVersion());
    assertEquals(GossipResult.EMPTY, sim.node(3).setLocalActivity("leaving: 42% (42 of 100 keys, 4.2 KiB), ETA 3 s"));
    assertEquals(before + 1, sim.node(3).localMember().version(), "setting the same line again changes nothing");
    sim.statesDelivered = 0;
    sim.rounds(4);
    assertTrue(sim.statesDelivered >= 4, "an activity change travels as a whole state: " + sim.statesDelivered);
    for (int i = 1; i <= 5; i++) {
      assertEquals("leaving: 42% (42 of 100 keys, 4.2 KiB), ETA 3 s",
          sim.node(i).view().get("n3").orElseThrow().activity(), "at n" + i);
      assertEquals(List.of(), ofType(sim.eventsOf(i), StatusChanged.class), "no status event at n" + i);
    }
    sim.node(3).setLocalActivity("");
    sim.rounds(4);
    for (int i = 1; i <= 5; i++) {
      assertEquals("", sim.node(i).view().get("n3").orElseThrow().activity(), "cleared at n" + i);
    }
    sim.statesDelivered = 0;
    sim.rounds(4);
    assertEquals(0, sim.statesDelivered, "once spread, only heartbeats travel again");
    assertThrows(IllegalArgumentException.class, () -> sim.node(3).setLocalActivity("two\nlines"));
  }

  @Test
  void removeMemberOnlyForDownMembersAndTheMarkSpreads() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    assertThrows(IllegalStateException.class, () -> sim.node(1).removeMember("n5", sim.nowMs));
    assertThrows(IllegalArgumentException.class, () -> sim.node(1).removeMember("n1", sim.nowMs));
    sim.stop(5);
    sim.rounds(10);
    sim.node(1).removeMember("n5", sim.nowMs);
    sim.rounds(4);
    for (int i = 1; i <= 4; i++) {
      assertEquals(MemberStatus.REMOVED, sim.node(i).view().get("n5").orElseThrow().status());
      assertFalse(sim.node(i).isAlive("n5", sim.nowMs));
    }
    assertThrows(IllegalStateException.class, () -> sim.node(2).markRemoving("n5", sim.nowMs),
        "a removed member cannot be marked REMOVING again");
  }

  @Test
  void aMemberBeingRemovedKeepsItsTokensUntilTheRemovalEnds() {
    GossipSimulation sim = fiveNodesJoinedThroughOneSeed();
    assertThrows(IllegalStateException.class, () -> sim.node(1).markRemoving("n5", sim.nowMs), "n5 is alive");
    sim.stop(5);
    sim.rounds(10);
    assertTrue(sim.node(1).markRemoving("n5", sim.nowMs).ringChanged());
    assertTrue(sim.node(1).markRemoving("n5", sim.nowMs).events().isEmpty(), "marking twice resumes the removal");
    sim.rounds(4);
    for (int i = 1; i <= 4; i++) {
      Member n5 = sim.node(i).view().get("n5").orElseThrow();
      assertEquals(MemberStatus.REMOVING, n5.status());
      assertTrue(n5.status().ownsTokens(), "still an owner while its data is re-replicated");
    }
    sim.node(3).removeMember("n5", sim.nowMs);
    sim.rounds(4);
    for (int i = 1; i <= 4; i++) {
      assertEquals(MemberStatus.REMOVED, sim.node(i).view().get("n5").orElseThrow().status());
    }
  }

  @Test
  void tickBumpsTheLocalVersionAndAloneNodeKeepsKnockingOnSeeds() {
    Member local = Member.of("a", endpoint(1), List.of(1L), MemberStatus.JOINING, 7);
    Gossiper g = new Gossiper(local, GossipSimulation.METADATA, List.of(endpoint(2), endpoint(1)), config, new Random(1));
    for (int i = 1; i <= 3; i++) {
      GossipResult r = g.tick(i * 1000L);
      assertEquals(i, g.localMember().version());
      assertEquals(1, r.outbound().size());
      assertEquals(endpoint(2), r.outbound().get(0).to(), "own endpoint is never a seed target");
      Syn syn = (Syn) r.outbound().get(0).payload();
      assertEquals(List.of(new Digest("a", 7, i, 0)), syn.digests());
    }
    assertFalse(g.hasJoined());
  }

  @Test
  void ackCarriesAtMostMaxStatesPerMessageWithTheLocalStateFirst() {
    GossipConfig small = config.withMaxStatesPerMessage(4);
    Member local = Member.of("a", endpoint(1), List.of(), MemberStatus.UP, 1);
    Gossiper g = new Gossiper(local, GossipSimulation.METADATA, List.of(), small, new Random(1));
    List<Member> others = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      others.add(Member.of("m" + i, new Endpoint("10.1.0." + i, 7000), List.of(), MemberStatus.UP, 1));
    }
    g.onAck2(endpoint(9), new GossipPayload.Ack2("x", others.subList(0, 4), List.of()), 0);
    g.onAck2(endpoint(9), new GossipPayload.Ack2("x", others.subList(4, 8), List.of()), 0);
    GossipResult r = g.onSyn(endpoint(9), new Syn("z", GossipSimulation.METADATA, List.of()), 0);
    Ack ack = (Ack) r.outbound().get(0).payload();
    assertEquals(4, ack.states().size());
    assertEquals("a", ack.states().get(0).id());
    assertEquals(9, g.view().size());
  }

  @Test
  void payloadsRefuseOversizedLists() {
    List<Digest> tooMany = new ArrayList<>();
    for (int i = 0; i <= GossipPayload.MAX_DIGESTS; i++) {
      tooMany.add(new Digest("n" + i, 0, 0, 0));
    }
    assertThrows(IllegalArgumentException.class, () -> new Syn("a", GossipSimulation.METADATA, tooMany));
  }

  @Test
  void configFailsFastNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.withFanout(0));
    assertTrue(e.getMessage().startsWith("fanout"), e.getMessage());
  }
}
