package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.NodeAddress;
import io.ringkv.node.NodeMain;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed-002 session on real processes: three {@code NodeMain} child JVMs (N=2, UUID4 keys) and the
 * REPL as a person at a terminal uses it (downgrade on), typed line by line. The node the session is on
 * is stopped with STOP (its process exits 0), the next one is killed with SIGKILL; the REPL reconnects
 * each time and lists only the live nodes, then reads and writes on the last node with the warning;
 * the stopped node, restarted on its data dir, holds what it held. Waits are generous bounds on
 * conditions (a loaded 2-core machine), never timings the test asserts.
 */
class Seed002ProcessTest {
  static final String KEY = "0d5d3807-5fbf-4228-a657-5a091c4e497f";
  static final String COMB = "{\"name\": \"Chapayev's Mustache comb\"}";
  /** Bound on any one condition: node start, failure detection, reconnect (a node starts in ~4 s idle). */
  static final long WAIT_MS = 180_000;

  @TempDir
  Path dir;
  private final List<Process> processes = new ArrayList<>();
  private RingkvClient replClient;
  private RingkvClient probe;
  private Thread replThread;
  private final BlockingQueue<String> typed = new LinkedBlockingQueue<>();
  private final StringBuffer screen = new StringBuffer();
  private int readUpTo;

  @AfterEach
  void stopAll() throws InterruptedException {
    typed.add("QUIT");
    if (replThread != null) {
      replThread.join(10_000);
    }
    if (replClient != null) {
      replClient.close();
    }
    if (probe != null) {
      probe.close();
    }
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSessionGoesOnWhileOneNodeLivesAndStopStopsANodeCleanly() throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    Process[] nodes = new Process[3];
    for (int i = 0; i < 3; i++) {
      nodes[i] = startNode(i, ports, i == 0 ? List.of() : List.of("--join", "127.0.0.1:" + ports[0]));
      if (i == 0) {
        probe = connect(ports[0], nodes[0]); // the first must serve before the others join through it
      }
    }
    await(() -> upCount(probe) == 3, "the three nodes did not all come UP");

    replClient = RingkvClient.connect(ClientConfig.of(endpoint(ports[0])));
    Repl repl = new Repl(replClient, new PrintWriter(new ScreenWriter(), true), new PrintWriter(new ScreenWriter(), true));
    repl.downgrade(true); // as CliCommand sets it for a person at a terminal
    replThread = new Thread(() -> repl.run(() -> {
      try {
        String line = typed.take();
        return line.equals("QUIT") ? null : line;
      } catch (InterruptedException e) {
        return null;
      }
    }), "repl");
    replThread.setDaemon(true);
    replThread.start();
    List<String> banner = awaitLines("127.0.0.1:" + ports[2], "the connect banner");
    assertEquals("Connected to ringkv at 127.0.0.1:" + ports[0], banner.get(0));

    assertEquals("Error: Key is not a proper UUID4", type("SET 12345 '" + COMB + "'"));
    assertEquals("Created (2 replicas)", type("SET " + KEY + " '" + COMB + "'"));
    assertEquals(COMB, type("GET " + KEY));
    assertEquals("Deleted (2 replicas)", type("DELETE " + KEY));
    assertEquals("Not found", type("GET " + KEY));
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String key = String.format("%08d-5fbf-4228-a657-5a091c4e497f", i);
      assertEquals("Created (2 replicas)", type("SET " + key + " kept-" + i));
      kept.add(key);
    }

    // STOP the node the session is on: a clean exit with status 0, and the REPL moves on without it
    String stopped = type("STOP n0");
    assertTrue(stopped.startsWith("n0 is stopping"), stopped);
    assertTrue(nodes[0].waitFor(WAIT_MS, TimeUnit.MILLISECONDS), "n0 did not exit after STOP");
    assertEquals(0, nodes[0].exitValue(), "a STOPped node exits with status 0");
    awaitLines("Reconnected to ringkv at", "the reconnect after STOP");
    List<String> first = new ArrayList<>(List.of(screenLineBefore()));
    typed.add("CONSISTENCY"); // its answer ends the banner
    first.addAll(awaitLines("Consistency:", "the banner's end"));
    List<String> known1 = knownNodes(first);
    assertFalse(known1.contains("127.0.0.1:" + ports[0]), "the node just lost is listed: " + first);
    int now = first.get(0).endsWith(":" + ports[1]) ? 1 : 2;
    int last = 3 - now;
    assertEquals(java.util.Set.of("127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]), java.util.Set.copyOf(known1));
    assertEquals(2, known1.size(), "each survivor once: " + first);

    // SIGKILL the next one: only the last node is listed, with the cluster-size warning
    nodes[now].destroyForcibly();
    assertTrue(nodes[now].waitFor(10, TimeUnit.SECONDS));
    awaitLines("Reconnected to ringkv at", "the reconnect after the kill");
    List<String> second = new ArrayList<>(List.of(screenLineBefore()));
    typed.add("CONSISTENCY");
    second.addAll(awaitLines("Consistency:", "the banner's end"));
    assertTrue(second.contains("WARNING: cluster size (1) is smaller than a replication factor (2)!"), second.toString());
    assertTrue(second.contains("Reconnected to ringkv at 127.0.0.1:" + ports[last]), second.toString());
    assertEquals(List.of("127.0.0.1:" + ports[last]), knownNodes(second));

    // once the last node sees the others down, reads and writes answer with one replica and say so
    probe.close();
    probe = connect(ports[last], nodes[last]);
    await(() -> upCount(probe) == 1, "the last node did not see the others down");
    String newKey = "1d5d3807-5fbf-4228-a657-5a091c4e497f";
    assertEquals("Created (1 replica; W=2 not reachable)", type("SET " + newKey + " '" + COMB + "'"));
    assertEquals(COMB, type("GET " + newKey));
    assertEquals("WARNING: answered by 1 of 2 replicas (quorum not reachable); the value may be stale", nextLine());
    assertEquals("Deleted (1 replica; W=2 not reachable)", type("DELETE " + newKey));
    assertEquals("Not found", type("GET " + newKey));
    assertEquals("WARNING: answered by 1 of 2 replicas (quorum not reachable); the value may be stale", nextLine());
    assertEquals("Consistency: STRICT (a read or write fails when too few replicas are alive)", type("CONSISTENCY STRICT"));
    // how many of the key's two owners are alive depends on which survivor the session ended on (the
    // key may belong to the two dead nodes): strict counts owners only, so 0 or 1, never a downgraded read
    String strict = type("GET " + newKey);
    assertTrue(strict.matches("Error: [01] of 2 required replicas reachable for this read .*"), "strict fails: " + strict);
    type("CONSISTENCY DOWNGRADE");

    // the STOPped node, started again on its data dir, comes back as itself with what it held
    nodes[0] = startNode(0, ports, List.of("--join", "127.0.0.1:" + ports[last]));
    await(() -> upCount(probe) == 2, "n0 did not come back UP");
    int onN0 = 0;
    for (String key : kept) {
      for (ClusterInfo.ReplicaState r : probe.where(key.getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS)) {
        if (r.nodeId().equals("n0") && r.role().equals("primary")) {
          onN0++;
          assertTrue(r.answered(), key);
          assertEquals(List.of("kept-" + kept.indexOf(key)),
              r.values().stream().map(v -> new String(v, StandardCharsets.UTF_8)).toList(), key);
        }
      }
    }
    assertTrue(onN0 > 0, "n0 owns none of the 12 keys: the ring is not what the test expects");
  }

  // ---- the session -----------------------------------------------------------------------------

  /** Types a command and returns the first line it printed. */
  private String type(String line) throws InterruptedException {
    typed.add(line);
    return nextLine();
  }

  /** The next complete line on the screen, waiting for it. */
  private String nextLine() throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (true) {
      synchronized (screen) {
        int nl = screen.indexOf("\n", readUpTo);
        if (nl >= 0) {
          String line = screen.substring(readUpTo, nl);
          readUpTo = nl + 1;
          return line;
        }
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("no output; the screen so far:\n" + screen);
      }
      Thread.sleep(20);
    }
  }

  /** The line {@link #nextLine} returned last. */
  private String screenLineBefore() {
    synchronized (screen) {
      int end = readUpTo - 1;
      int start = screen.lastIndexOf("\n", end - 1) + 1;
      return screen.substring(start, end);
    }
  }

  /** Reads lines until one contains {@code marker}; returns them from the first. */
  private List<String> awaitLines(String marker, String what) throws InterruptedException {
    List<String> lines = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (System.nanoTime() < end) {
      String line = nextLine();
      lines.add(line);
      if (line.contains(marker)) {
        return lines;
      }
    }
    throw new AssertionError(what + " did not show; the screen:\n" + screen);
  }

  /** The addresses listed under the last "Known nodes:" of {@code lines}. */
  private static List<String> knownNodes(List<String> lines) {
    List<String> known = new ArrayList<>();
    int at = lines.lastIndexOf("Known nodes:");
    for (int i = at + 1; at >= 0 && i < lines.size() && lines.get(i).startsWith("127.0.0.1:"); i++) {
      known.add(lines.get(i));
    }
    return known;
  }

  private final class ScreenWriter extends Writer {
    @Override
    public void write(char[] buf, int off, int len) {
      synchronized (screen) {
        screen.append(buf, off, len);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  // ---- the nodes -------------------------------------------------------------------------------

  private Process startNode(int i, int[] ports, List<String> extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-Dchronicle.analytics.disable=true"));
    for (String opt : System.getProperty("ringkv.jvm.opens", "").split(" ")) {
      if (!opt.isBlank()) {
        cmd.add(opt);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NodeMain.class.getName(), "--id", "n" + i,
        "--port", Integer.toString(ports[i]), "--data-dir", dir.resolve("n" + i).toString(),
        "--replication-factor", "2", "--key-format", "uuid4", "--storage-entries", "20000", "--metrics-port", "-1"));
    cmd.addAll(extra);
    File log = dir.resolve("n" + i + "-" + processes.size() + ".log").toFile();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    processes.add(p);
    return p;
  }

  private static RingkvClient connect(int port, Process p) throws Exception {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (true) {
      try {
        return RingkvClient.connect(ClientConfig.of(endpoint(port)));
      } catch (RuntimeException e) {
        if (!p.isAlive()) {
          throw new AssertionError("node on port " + port + " exited with " + p.exitValue());
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("node on port " + port + " did not accept connections", e);
        }
        Thread.sleep(100);
      }
    }
  }

  private static int upCount(RingkvClient c) {
    try {
      return (int) c.info().get(10, TimeUnit.SECONDS).nodes().stream().filter(n -> n.status().equals("UP")).count();
    } catch (Exception e) {
      return -1;
    }
  }

  private void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(what + " within " + WAIT_MS + " ms; the screen:\n" + screen + logs());
      }
      Thread.sleep(200);
    }
  }

  private String logs() {
    StringBuilder b = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        List<String> lines = Files.readAllLines(f);
        b.append("\n--- ").append(f.getFileName()).append(" (last lines)\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      }
    } catch (IOException e) {
      b.append("\n(logs unreadable: ").append(e).append(')');
    }
    return b.toString();
  }

  private static NodeAddress endpoint(int port) {
    return new NodeAddress("127.0.0.1", port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
