package io.ringkv.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.Gossiper;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The local activity line: joined across tasks, rate-limited, never losing the last change. Simulated time. */
class MembershipActivityTest {
  private final Simulator sim = new Simulator(7);
  private final Gossiper gossiper = new Gossiper(
      Member.of("n1", new Endpoint("10.0.0.1", 7000), List.of(1L, 2L), MemberStatus.UP, 1),
      new ClusterMetadata("ringkv", 3, "any"), List.of(), GossipConfig.defaults(), new Random(7));
  private final Membership membership =
      new Membership(gossiper, sim, sim.process("n1").scheduler(), (to, payload) -> {});
  /** (time, activity) of every heavy-state change of the local member, observed after each event. */
  private final List<String> changes = new ArrayList<>();
  private long lastStateVersion;

  private void runFor(long ms) {
    long end = sim.nowMs() + ms;
    while (sim.nowMs() < end) {
      sim.runFor(10);
      Member local = gossiper.localMember();
      if (local.stateVersion() != lastStateVersion) {
        lastStateVersion = local.stateVersion();
        changes.add(sim.nowMs() + " " + local.activity());
      }
    }
  }

  private String activity() {
    return gossiper.localMember().activity();
  }

  @Test
  void anUpdateEverySecondChangesTheGossipedStateAtMostEveryTwoSecondsAndTheFinalClearIsKept() {
    long start = sim.nowMs();
    for (int i = 1; i <= 9; i++) {
      membership.setLocalActivity("leaving: " + i + "0%");
      runFor(1_000);
    }
    membership.setLocalActivity("");
    runFor(5_000);
    assertEquals(List.of(
        (start + 10) + " leaving: 10%",
        (start + 2_000) + " leaving: 20%", // held from 1 s until the interval was over
        (start + 4_000) + " leaving: 40%", // 30% was overtaken while held
        (start + 6_000) + " leaving: 60%",
        (start + 8_000) + " leaving: 80%",
        (start + 10_000) + " "), changes, "the final clear (set at 9 s) is held, not dropped");
    assertEquals("", activity());
    assertEquals(List.of(""), membership.nodes().stream().map(NodeInfo::activity).toList());
  }

  @Test
  void linesOfTasksRunningAtOnceAreJoinedAndEachTaskClearsOnlyItsOwn() {
    Object toN4 = new Object();
    Object toN5 = new Object();
    membership.setLocalActivity(toN4, "streaming to n4: 10%");
    membership.setLocalActivity(toN5, "streaming to n5: 3%");
    runFor(2_000);
    assertEquals("streaming to n4: 10%; streaming to n5: 3%", activity());
    assertEquals("streaming to n4: 10%; streaming to n5: 3%", membership.nodes().get(0).activity());
    membership.setLocalActivity(toN4, "");
    runFor(2_000);
    assertEquals("streaming to n5: 3%", activity());
    membership.setLocalActivity(toN5, "");
    runFor(2_000);
    assertEquals("", activity());
  }

  @Test
  void aStatusChangeCarriesAHeldLineAtOnce() {
    membership.setLocalActivity("leaving: 100%");
    runFor(100);
    membership.setLocalActivity(""); // held: the last change was 100 ms ago
    membership.setLocalStatus(MemberStatus.LEFT);
    runFor(10);
    assertEquals(List.of("", "LEFT"), List.of(activity(), gossiper.localMember().status().name()));
  }

  @Test
  void joinedLinesAreCutToTheBoundAndBadLinesAreRefusedAtOnce() {
    for (int i = 0; i < 4; i++) {
      membership.setLocalActivity(new Object(), "task " + i + " " + "x".repeat(90));
    }
    runFor(2_000);
    assertEquals(Member.MAX_ACTIVITY_LENGTH, activity().length());
    assertTrue(activity().startsWith("task 0 xxx") && activity().endsWith("x..."), activity());
    List<Object> many = new ArrayList<>();
    for (int i = 0; i < Membership.ACTIVITY_SOURCES_MAX + 10; i++) {
      Object task = new Object();
      many.add(task);
      membership.setLocalActivity(task, "t");
    }
    for (Object task : many) {
      membership.setLocalActivity(task, "");
    }
    runFor(2_000);
    assertTrue(activity().startsWith("task 0 xxx"),
        "setting and clearing many more tasks (past the bound) leaves the first ones' lines");
    assertThrows(IllegalArgumentException.class, () -> membership.setLocalActivity("a\nb"));
    assertThrows(IllegalArgumentException.class,
        () -> membership.setLocalActivity("y".repeat(Member.MAX_ACTIVITY_LENGTH + 1)));
  }
}
