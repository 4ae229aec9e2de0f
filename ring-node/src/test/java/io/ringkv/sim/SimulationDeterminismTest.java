package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.gossip.Endpoint;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.storage.codec.RecordCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * A simulation is a function of its seed (STYLE.md 1 and 6; FoundationDB's simulation): one seed gives the
 * same history twice, message by message, reply by reply, down to every replica's bytes, through a
 * scenario with every fault the simulator has (loss, duplication, delays, a partition, a kill and
 * restart, a pause); another seed gives another history. And a failing simulation names its seed and
 * the command that replays it ({@link SimSeed}).
 */
class SimulationDeterminismTest {
  static final long SEED = 20261203;
  static final AntiEntropyConfig AE = AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(1_000)
      .withTombstoneGraceMs(10_000).withGcIntervalMs(2_000);

  private static History seedHistory;

  /** The history of {@link #SEED}, run once for the tests that compare with it. */
  private static synchronized History seedHistory() {
    if (seedHistory == null) {
      seedHistory = history(SEED);
    }
    return seedHistory;
  }

  /** What one run did, as lines: the formation, every message event, every reply, the final state. */
  record History(List<String> messages, List<String> replies, List<String> state) {
    List<String> all() {
      List<String> out = new ArrayList<>(messages);
      out.addAll(replies);
      out.addAll(state);
      return out;
    }
  }

  private static String hex(byte[] b) {
    return b == null ? "-" : HexFormat.of().formatHex(b);
  }

  private static String describe(Reply r) {
    if (r == null) {
      return "no reply";
    }
    if (r instanceof GetReply g) {
      List<String> values = new ArrayList<>();
      g.values().forEach(v -> values.add(new String(v, java.nio.charset.StandardCharsets.UTF_8)));
      return "get " + values + " ctx=" + hex(g.context()) + " replicas=" + g.replicas();
    }
    if (r instanceof PutReply p) {
      return "put created=" + p.created() + " acks=" + p.acks() + " ctx=" + hex(p.context());
    }
    if (r instanceof DeleteReply d) {
      return "delete existed=" + d.existed() + " acks=" + d.acks();
    }
    if (r instanceof ErrorReply e) {
      return "error " + e.code() + " " + e.message();
    }
    return r.getClass().getSimpleName();
  }

  /**
   * Five nodes (N=3, real gossip and anti-entropy) under 2 % loss, 5 % duplication and 1-30 ms delays; 80
   * client operations on 8 keys from random coordinators, overlapping in time, with contexts from earlier
   * reads; {n1,n2} cut off for ops 20-35, n3 killed at op 40 and restarted at 55, n4 paused for ops 60-68.
   * Then everything heals and the cluster runs 30 s more.
   */
  static History history(long seed) {
    SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3), AE, 16);
    List<String> messages = new ArrayList<>();
    messages.add("formed at " + c.sim.nowMs() + " after " + c.sim.eventsRun() + " events");
    c.network.trace(messages::add);
    c.network.setDelay(1, 30);
    c.network.setDropRate(0.02);
    c.network.setDuplicateRate(0.05);
    Random workload = c.sim.random();
    Map<String, byte[]> contexts = new HashMap<>();
    List<SimCluster.Call> calls = new ArrayList<>();
    List<String> asked = new ArrayList<>();
    long ids = 0;
    for (int i = 0; i < 80; i++) {
      switch (i) {
        case 20 -> c.network.partition(Set.of(c.node(0).endpoint, c.node(1).endpoint),
            Set.of(c.node(2).endpoint, c.node(3).endpoint, c.node(4).endpoint));
        case 35 -> c.network.heal();
        case 40 -> c.kill(2);
        case 55 -> c.restart(2);
        case 60 -> c.pause(3);
        case 68 -> c.resume(3);
        default -> { }
      }
      List<Integer> coordinators = new ArrayList<>();
      for (SimCluster.SimNode n : c.nodes) {
        if (n.process.alive() && !n.process.paused()) {
          coordinators.add(n.index);
        }
      }
      int via = coordinators.get(workload.nextInt(coordinators.size()));
      String key = "k" + workload.nextInt(8);
      int op = workload.nextInt(3);
      Request request = switch (op) {
        case 0 -> new GetRequest(++ids, bytes(key), 0, 0);
        case 1 -> new PutRequest(++ids, bytes(key), bytes("v" + i), contexts.get(key), 0, 0);
        default -> new DeleteRequest(++ids, bytes(key), contexts.get(key), 0, 0);
      };
      asked.add(i + " " + request.getClass().getSimpleName() + " " + key + " via n" + (via + 1));
      SimCluster.Call call = c.call(via, request);
      calls.add(call);
      c.sim.runFor(workload.nextInt(60));
      if (op == 0 && call.done() && call.get() instanceof GetReply g) {
        contexts.put(key, g.context());
      }
    }
    c.network.heal();
    c.sim.runFor(30_000);

    List<String> replies = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      replies.add(asked.get(i) + ": " + describe(calls.get(i).get()));
    }
    List<String> state = new ArrayList<>();
    state.add("at " + c.sim.nowMs() + ": " + c.sim.eventsRun() + " events, " + c.network.delivered() + " delivered, "
        + c.network.dropped() + " dropped");
    for (SimCluster.SimNode n : c.nodes) {
      TreeMap<String, String> stored = new TreeMap<>();
      n.storage.forEach((k, o) -> stored.put(new String(k, java.nio.charset.StandardCharsets.UTF_8),
          hex(RecordCodec.encode(o))));
      state.add(n.id + " stores " + stored);
      state.add(n.id + " tokens " + n.tokens.hashCode());
      TreeMap<String, Long> counters = new TreeMap<>();
      n.metrics.getCounters().forEach((name, counter) -> counters.put(name, counter.getCount()));
      state.add(n.id + " counters " + counters);
    }
    return new History(messages, replies, state);
  }

  /** The first line where two histories part, or null when they are equal. */
  private static String firstDifference(List<String> a, List<String> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      String x = i < a.size() ? a.get(i) : "<end>";
      String y = i < b.size() ? b.get(i) : "<end>";
      if (!x.equals(y)) {
        return "line " + i + " of " + a.size() + "/" + b.size() + ":\n  " + x + "\n  " + y;
      }
    }
    return null;
  }

  @Test
  void oneSeedGivesTheSameHistoryTwiceThroughFaults() {
    long seed = SimSeed.use(SEED);
    History first = seed == SEED ? seedHistory() : history(seed);
    History second = history(seed);
    assertEquals(null, firstDifference(first.all(), second.all()), "two runs of seed " + seed + " differ at");

    // the scenario exercises what it claims: faults happened, and the cluster answered through them
    List<String> m = first.messages();
    assertTrue(m.size() > 2_000, m.size() + " message events");
    assertTrue(m.stream().anyMatch(l -> l.contains(" drop ")), "no message was dropped");
    assertTrue(m.stream().anyMatch(l -> l.contains(" send*2 ")), "no message was duplicated");
    assertTrue(m.stream().anyMatch(l -> l.contains(" deliver ") && l.contains(">10.0.0.3:7000 ") && !l.contains(" Gossip")),
        "n3 got nothing but gossip");
    List<String> r = first.replies();
    assertTrue(r.stream().anyMatch(l -> l.contains(": put created")), "no write succeeded: " + r);
    assertTrue(r.stream().anyMatch(l -> l.contains(": get [")), "no read succeeded: " + r);
    assertTrue(first.state().stream().anyMatch(l -> l.startsWith("n3 stores {k")), "n3 holds nothing");
  }

  @Test
  void anotherSeedGivesAnotherHistory() {
    assumeFalse(SimSeed.overridden(), "-Dringkv.sim.seed gives every simulation of the run one seed");
    History a = seedHistory();
    History b = history(SEED + 1);
    assertTrue(firstDifference(a.messages(), b.messages()) != null, "the same messages for two seeds");
    assertTrue(firstDifference(a.replies(), b.replies()) != null, "the same replies for two seeds");
    assertTrue(firstDifference(a.state(), b.state()) != null, "the same final state for two seeds");
  }

  @Test
  void theSeedPropertyReplaysTheRunOfThatSeed() {
    assumeFalse(SimSeed.overridden());
    History original = seedHistory();
    System.setProperty(SimSeed.PROPERTY, Long.toString(SEED));
    History replayed;
    try {
      replayed = history(3); // the test's own seed is overridden, as when a failure is replayed
    } finally {
      System.clearProperty(SimSeed.PROPERTY);
    }
    assertEquals(null, firstDifference(original.all(), replayed.all()), "the replay of seed " + SEED + " differs at");
  }

  /** Set only while {@link #aFailingSimulationNamesItsSeedAndTheReplayCommand} runs it. */
  static volatile boolean runFailingSimulation;

  /** A simulation that fails on purpose, run by the test below through the JUnit launcher. */
  static final class FailingSimulation {
    @Test
    void failsAfterASimulation() {
      assumeTrue(runFailingSimulation, "run only by SimulationDeterminismTest");
      SimCluster c = new SimCluster(4242, 3, RequestSettings.defaults(3));
      assertEquals(4, c.nodes.size(), "a deliberate failure");
    }
  }

  @Test
  void aFailingSimulationNamesItsSeedAndTheReplayCommand() {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    Launcher launcher = LauncherFactory.create();
    runFailingSimulation = true;
    try {
      launcher.execute(LauncherDiscoveryRequestBuilder.request()
          .selectors(DiscoverySelectors.selectClass(FailingSimulation.class)).build(), listener);
    } finally {
      runFailingSimulation = false;
    }
    TestExecutionSummary summary = listener.getSummary();
    assertEquals(1, summary.getTotalFailureCount(), "the deliberate failure");
    String message = summary.getFailures().get(0).getException().getMessage();
    long seed = SimSeed.overridden() ? Long.parseLong(System.getProperty(SimSeed.PROPERTY)) : 4242;
    assertTrue(message.startsWith("a deliberate failure"), message);
    assertTrue(message.endsWith("\nsimulation seed " + seed + "; replay: ./mvnw -B -ntp -pl ring-node -am test"
        + " -Dsurefire.failIfNoSpecifiedTests=false '-Dtest=SimulationDeterminismTest$FailingSimulation"
        + "#failsAfterASimulation' -Dringkv.sim.seed=" + seed), message);
  }
}
