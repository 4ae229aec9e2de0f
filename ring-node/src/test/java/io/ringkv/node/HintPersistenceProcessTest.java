package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.GetResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hinted handoff across a crash of the stand-in, on real processes with the Chronicle hint store
 * ({@code hints.dat}): the owner is down, a stand-in takes its writes and keeps hints, the stand-in is
 * killed with SIGKILL and restarted, the owner comes back, and the restarted stand-in delivers every
 * hint. N=1, so a read at the owner sees only the owner's copy: a value there was handed off. Cleanup
 * (which would also move the stand-in's copies) is held off by a long settle time, and the stand-in's
 * {@code ringkv.hints.delivered} counter must show the delivery. The nodes run with {@code --sloppy-quorum}:
 * with N=1 and the owner down only a stand-in can take the write (owners-only quorums would refuse it).
 */
class HintPersistenceProcessTest {
  @TempDir
  Path dir;
  private NodeProcesses nodes;

  @AfterEach
  void killAll() throws InterruptedException {
    nodes.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Process start(String id, int port, int metricsPort, int seedPort) throws Exception {
    List<String> args = new ArrayList<>(List.of("--id", id, "--replication-factor", "1", "--sloppy-quorum", "--cleanup-settle-ms",
        "3600000", "--anti-entropy-interval-ms", "3600000", "--metrics-port", Integer.toString(metricsPort)));
    if (seedPort > 0) {
      args.addAll(List.of("--join", "127.0.0.1:" + seedPort));
    }
    return nodes.start(port, dir.resolve(id), args);
  }

  private static void awaitStatus(BlockingRingkvClient c, String id, String status) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      ClusterInfo info = c.info();
      if (info.nodes().stream().anyMatch(n -> n.id().equals(id) && n.status().equals(status))) {
        return;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError(id + " not " + status + ": " + info.nodes());
      }
      Thread.sleep(200);
    }
  }

  private static long counter(int metricsPort, String name) throws Exception {
    try (InputStream in = URI.create("http://127.0.0.1:" + metricsPort + "/metrics").toURL().openStream()) {
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\\{\\s*\"count\"\\s*:\\s*(\\d+)").matcher(json);
      assertTrue(m.find(), name + " not in " + json);
      return Long.parseLong(m.group(1));
    }
  }

  @Test
  void hintsSurviveTheStandInsSigkillAndAreDeliveredWhenTheOwnerReturns() throws Exception {
    nodes = new NodeProcesses(dir);
    int standInPort = LoopbackCluster.freePort();
    int standInMetrics = LoopbackCluster.freePort();
    int ownerPort = LoopbackCluster.freePort();
    Process standIn = start("stand", standInPort, standInMetrics, 0);
    NodeProcesses.connect(standInPort, standIn).close();
    Process owner = start("owner", ownerPort, -1, standInPort);

    List<String> keys = new ArrayList<>();
    try (RingkvClient client = NodeProcesses.connect(standInPort, standIn)) {
      BlockingRingkvClient c = client.blocking();
      awaitStatus(c, "owner", "UP");
      for (int i = 0; keys.size() < 20; i++) {
        String k = "key-" + i;
        List<ClusterInfo.ReplicaState> replicas = client.where(b(k)).get(60, TimeUnit.SECONDS);
        if (replicas.get(0).nodeId().equals("owner")) {
          keys.add(k);
        }
      }
      NodeProcesses.kill9(owner);
      awaitStatus(c, "owner", "DOWN");
      for (String k : keys) {
        c.put(b(k), b("v-" + k), CausalContext.NONE, RequestOptions.DEFAULTS);
      }
      assertEquals(keys.size(), counter(standInMetrics, "ringkv.hints.stored"), "one hint per write");
    }
    assertTrue(Files.size(dir.resolve("stand").resolve("hints.dat")) > 0);

    NodeProcesses.kill9(standIn);
    standIn = start("stand", standInPort, standInMetrics, 0);
    NodeProcesses.connect(standInPort, standIn).close();
    owner = start("owner", ownerPort, -1, standInPort);
    try (RingkvClient client = NodeProcesses.connect(ownerPort, owner)) {
      BlockingRingkvClient c = client.blocking();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      for (String k : keys) {
        while (true) {
          GetResult r = c.get(b(k), RequestOptions.DEFAULTS);
          if (!r.values().isEmpty()) {
            assertEquals("v-" + k, new String(r.values().get(0), StandardCharsets.UTF_8));
            break;
          }
          assertTrue(System.nanoTime() < end, k + " never reached its owner");
          Thread.sleep(200);
        }
      }
    }
    assertEquals(keys.size(), counter(standInMetrics, "ringkv.hints.delivered"),
        "the restarted stand-in delivered every hint it had before the SIGKILL");
  }
}
