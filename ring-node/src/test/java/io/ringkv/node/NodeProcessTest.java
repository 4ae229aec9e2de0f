package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.GetResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.gossip.Endpoint;
import java.io.File;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node as a real process (DESIGN.md testing layer 3): {@code NodeMain} in a child JVM, killed
 * with SIGKILL, restarted on the same data directory.
 */
class NodeProcessTest {
  @TempDir
  Path dir;
  private NodeProcesses nodes;

  @BeforeEach
  void setUp() {
    nodes = new NodeProcesses(dir);
  }

  @AfterEach
  void killAll() throws InterruptedException {
    nodes.close();
  }

  private Process startNode(int port, Path dataDir, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--id", "solo", "--replication-factor", "1"));
    args.addAll(List.of(extra));
    return nodes.start(port, dataDir, args);
  }

  private static RingkvClient connect(int port, Process p) throws Exception {
    return NodeProcesses.connect(port, p);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aNodeKilledWithSigkillServesEveryAcknowledgedWriteAfterRestart() throws Exception {
    int port = LoopbackCluster.freePort();
    Path data = dir.resolve("data");
    Process first = startNode(port, data);
    List<Integer> acked = new ArrayList<>();
    try (RingkvClient client = connect(port, first)) {
      BlockingRingkvClient c = client.blocking();
      for (int i = 0; i < 300; i++) {
        c.put(b("k" + i), b("value-" + i), CausalContext.NONE, RequestOptions.DEFAULTS);
        acked.add(i);
      }
    }
    NodeProcesses.kill9(first);

    Process second = startNode(port, data);
    try (RingkvClient client = connect(port, second)) {
      BlockingRingkvClient c = client.blocking();
      for (int i : acked) {
        GetResult r = c.get(b("k" + i), RequestOptions.DEFAULTS);
        assertEquals(1, r.values().size(), "k" + i + " after restart");
        assertEquals("value-" + i, new String(r.values().get(0), StandardCharsets.UTF_8));
      }
      assertEquals("solo", c.info().nodeId());
    }
  }

  @Test
  void garbageOnThePortLeavesTheNodeServing() throws Exception {
    int port = LoopbackCluster.freePort();
    Process node = startNode(port, dir.resolve("data"));
    try (RingkvClient client = connect(port, node)) {
      client.blocking().put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
      byte[][] attacks = {
          "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
          {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3},
          {0, 0, 0, 20, 1, 2, 3},
      };
      for (byte[] attack : attacks) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          OutputStream out = s.getOutputStream();
          out.write(attack);
          out.flush();
        }
      }
      assertTrue(node.isAlive());
      try (RingkvClient fresh = connect(port, node)) {
        assertEquals("v", new String(fresh.blocking().get(b("k"), RequestOptions.DEFAULTS).values().get(0),
            StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void aNodeWithAnotherReplicationFactorRefusesToJoinAndExitsNonZero() throws Exception {
    int port1 = LoopbackCluster.freePort();
    Process first = startNode(port1, dir.resolve("a"));
    connect(port1, first).close();
    int port2 = LoopbackCluster.freePort();
    Process second = nodes.start(port2, dir.resolve("b"),
        List.of("--id", "other", "--replication-factor", "2", "--join", "127.0.0.1:" + port1));
    assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the misconfigured node kept running");
    assertEquals(3, second.exitValue());
    String log = Files.readString(nodes.logFile(nodes.started() - 1).toPath());
    assertTrue(log.contains("replication factor"), log);
  }

  /**
   * The refusal lines of a node that exited: the lines of its log that say it cannot join. DESIGN.md:
   * "refuse to join, loudly"; the README: status 3 and one line naming both values.
   */
  private List<String> refusalLines(int index) throws Exception {
    return Files.readAllLines(nodes.logFile(index).toPath()).stream()
        .filter(l -> l.contains("cannot join")).toList();
  }

  private void assertRefused(Process joiner, String mine, String theirs) throws Exception {
    int index = nodes.started() - 1;
    assertTrue(joiner.waitFor(120, TimeUnit.SECONDS), "the misconfigured node kept running: "
        + Files.readString(nodes.logFile(index).toPath()));
    assertEquals(3, joiner.exitValue(), Files.readString(nodes.logFile(index).toPath()));
    List<String> lines = refusalLines(index);
    assertEquals(1, lines.size(), "one refusal line: " + lines);
    assertTrue(lines.get(0).contains(mine) && lines.get(0).contains(theirs), lines.get(0));
  }

  @Test
  void nodesWithAnotherClusterNameOrKeyFormatExitWithStatusThreeAndOneLineNamingBothValues() throws Exception {
    int port1 = LoopbackCluster.freePort();
    Process first = nodes.start(port1, dir.resolve("a"),
        List.of("--id", "a", "--replication-factor", "1", "--cluster-name", "blue"));
    connect(port1, first).close();

    Process otherName = nodes.start(LoopbackCluster.freePort(), dir.resolve("b"), List.of("--id", "b",
        "--replication-factor", "1", "--cluster-name", "green", "--join", "127.0.0.1:" + port1));
    assertRefused(otherName, "'green'", "'blue'");

    Process otherFormat = nodes.start(LoopbackCluster.freePort(), dir.resolve("c"), List.of("--id", "c",
        "--replication-factor", "1", "--cluster-name", "blue", "--key-format", "uuid4", "--join", "127.0.0.1:" + port1));
    assertRefused(otherFormat, "'uuid4'", "'any'");
    assertTrue(first.isAlive(), "the cluster's node keeps running");
  }

  @Test
  void aUuid4NodeItselfRefusesOtherKeysFromAClientThatDoesNotCheck() throws Exception {
    int port = LoopbackCluster.freePort();
    Process node = startNode(port, dir.resolve("data"), "--key-format", "uuid4");
    try (RingkvClient client = connect(port, node)) {
      // the Java client sends any key: the refusal is the node's
      java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          java.util.concurrent.ExecutionException.class,
          () -> client.put(b("not-a-uuid"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS).get(60, TimeUnit.SECONDS));
      assertEquals("Key is not a proper UUID4", e.getCause().getMessage());
      assertEquals(io.ringkv.protocol.ErrorCode.BAD_REQUEST, ((io.ringkv.client.RingkvException) e.getCause()).code());
      org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
          () -> client.get(b("0d5d3807-5fbf-1228-a657-5a091c4e497f"), RequestOptions.DEFAULTS).get(60, TimeUnit.SECONDS),
          "a UUID of version 1 is not a UUID4");
      String uuid4 = "0d5d3807-5fbf-4228-a657-5a091c4e497f";
      client.blocking().put(b(uuid4), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
      assertEquals("v", new String(client.blocking().get(b(uuid4), RequestOptions.DEFAULTS).values().get(0),
          StandardCharsets.UTF_8));
    }
  }
}
