package io.ringkv.node;

import io.ringkv.client.NodeAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.gossip.Endpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes (N=3, R=W=2): one is killed with SIGKILL in the middle of a write stream,
 * writes and reads go on, and after its restart the node holds every write it missed, read from it
 * alone. Prints how long detection, recovery and catch-up took (figures, not assertions).
 */
class ClusterFailoverProcessTest {
  @TempDir
  Path dir;
  private NodeProcesses nodes;

  @AfterEach
  void killAll() throws InterruptedException {
    if (nodes != null) {
      nodes.close();
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String statusOf(BlockingRingkvClient c, String id) {
    for (ClusterInfo.Node n : c.info().nodes()) {
      if (n.id().equals(id)) {
        return n.status();
      }
    }
    return "absent";
  }

  private static long waitFor(java.util.function.BooleanSupplier condition, long maxMs, String what)
      throws InterruptedException {
    long start = System.nanoTime();
    LoopbackCluster.awaitCondition(condition, maxMs, what);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void aKilledNodeCatchesUpOnEveryWriteItMissedAfterRestart() throws Exception {
    nodes = new NodeProcesses(dir);
    int[] ports = {LoopbackCluster.freePort(), LoopbackCluster.freePort(), LoopbackCluster.freePort()};
    List<Process> procs = new ArrayList<>();
    RingkvClient[] direct = new RingkvClient[3];
    for (int i = 0; i < 3; i++) {
      List<String> args = new ArrayList<>(List.of("--id", "n" + (i + 1), "--replication-factor", "3"));
      if (i > 0) {
        args.addAll(List.of("--join", "127.0.0.1:" + ports[0]));
      }
      procs.add(nodes.start(ports[i], dir.resolve("n" + (i + 1)), args));
      direct[i] = NodeProcesses.connect(ports[i], procs.get(i)); // one at a time: start-up is CPU-bound
    }
    BlockingRingkvClient c1 = direct[0].blocking();
    BlockingRingkvClient c2 = direct[1].blocking();
    waitFor(() -> c1.info().nodes().stream().filter(n -> n.status().equals("UP")).count() == 3, 60_000,
        "three nodes UP");

    RingkvClient writer = RingkvClient.connect(new ClientConfig(
        List.of(new NodeAddress("127.0.0.1", ports[0]), new NodeAddress("127.0.0.1", ports[1])), 2000, 5000, 1000, 1024));
    List<String> acked = new ArrayList<>();
    int i = 0;
    for (; i < 100; i++) {
      writer.blocking().put(b("k" + i), b("v" + i), CausalContext.NONE, RequestOptions.DEFAULTS);
      acked.add("k" + i);
    }
    direct[2].close();
    NodeProcesses.kill9(procs.get(2));
    long killedAt = System.nanoTime();
    int failures = 0;
    for (; i < 250; i++) {
      try {
        writer.blocking().put(b("k" + i), b("v" + i), CausalContext.NONE, RequestOptions.DEFAULTS);
        acked.add("k" + i);
      } catch (RingkvException e) {
        failures++;
      }
      assertEquals(1, writer.blocking().get(b("k" + (i - 50)), RequestOptions.DEFAULTS).values().size(),
          "reads go on while n3 is down");
    }
    assertEquals(0, failures, "writes at W=2 with two of three nodes alive must not fail");
    long detectMs = waitFor(() -> statusOf(c1, "n3").equals("DOWN") && statusOf(c2, "n3").equals("DOWN"), 60_000,
        "n1 and n2 see n3 DOWN");
    long detectedAfterKillMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

    Process restarted = nodes.start(ports[2], dir.resolve("n3"), List.of("--id", "n3", "--replication-factor", "3",
        "--join", "127.0.0.1:" + ports[0]));
    long restartedAt = System.nanoTime();
    try (RingkvClient n3 = NodeProcesses.connect(ports[2], restarted)) {
      long upMs = waitFor(() -> statusOf(c1, "n3").equals("UP") && statusOf(c2, "n3").equals("UP"), 60_000,
          "n1 and n2 see n3 UP again");
      BlockingRingkvClient c3 = n3.blocking();
      long caughtUpMs = waitFor(() -> acked.stream().allMatch(k -> holds(c3, k)), 60_000,
          "n3 holds every acknowledged write");
      System.out.printf("failover figures: SIGKILL -> DOWN everywhere %d ms (polled %d ms after the write stream);"
          + " restart -> UP everywhere %d ms; restart -> n3 holds all %d writes %d ms%n",
          detectedAfterKillMs, detectMs, upMs, acked.size(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));
      assertTrue(caughtUpMs >= 0);
    }
    writer.close();
    direct[0].close();
    direct[1].close();
  }

  /** What n3 itself stores for the key (WHERE reads each replica directly). */
  private static boolean holds(BlockingRingkvClient n3, String key) {
    for (ClusterInfo.ReplicaState s : n3.where(b(key))) {
      if (s.nodeId().equals("n3")) {
        return s.answered() && s.values().size() == 1;
      }
    }
    return false;
  }
}
