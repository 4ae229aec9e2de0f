package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The REPL end to end: the packaged {@code ringkv.jar} as {@code ringkv cli} against three real
 * {@code ringkv node} processes (N=2, {@code --key-format uuid4}, as seed 002 and the demo), over
 * {@code -e}, piped stdin and a pseudo-terminal. One cluster for the class; the failover test, which
 * kills a node, runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplProcessIT {
  static final String SEED_KEY = "0d5d3807-5fbf-4228-a657-5a091c4e497f";
  static final String SEED_VALUE = "{\"name\": \"Chapayev's Mustache comb\"}";

  private Path dir;
  private JarProcesses jar;
  private final int[] ports = new int[3];
  private final Process[] nodes = new Process[3];

  @BeforeAll
  void startCluster() throws Exception {
    dir = Files.createTempDirectory("ringkv-repl-it");
    jar = new JarProcesses(dir);
    for (int i = 0; i < 3; i++) {
      ports[i] = JarProcesses.freePort();
    }
    for (int i = 0; i < 3; i++) {
      List<String> args = new java.util.ArrayList<>(List.of("--replication-factor", "2", "--cluster-name", "e2e",
          "--key-format", "uuid4"));
      if (i > 0) {
        args.addAll(List.of("--join", "127.0.0.1:" + ports[0]));
      }
      nodes[i] = jar.node("n" + (i + 1), ports[i], args);
      JarProcesses.awaitUp(ports[i], i + 1);
    }
    JarProcesses.awaitUp(ports[0], 3);
  }

  @AfterAll
  void stopCluster() throws Exception {
    jar.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String addr(int i) {
    return "127.0.0.1:" + ports[i];
  }

  private List<String> seedSession() {
    return List.of(
        "Connected to ringkv at " + addr(0),
        "Known nodes:",
        addr(0),
        addr(1),
        addr(2),
        "Created (2 replicas)",
        SEED_VALUE,
        "Deleted (2 replicas)",
        "Not found");
  }

  private static String seedCommands(String key) {
    return "SET " + key + " '" + SEED_VALUE + "'\nGET " + key + "\nDELETE " + key + "\nGET " + key + "\n";
  }

  @Test
  @Order(1)
  void theSeed002SessionLineByLineWithDashE() throws Exception {
    JarProcesses.Result r = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[0]),
        "-e", seedCommands(SEED_KEY).strip().replace("\n", "; "));
    assertEquals(seedSession(), r.outLines(), "stderr: " + r.err());
    assertEquals("", r.err());
    assertEquals(0, r.status());
  }

  @Test
  @Order(2)
  void theSeed002SessionFromPipedStdin() throws Exception {
    JarProcesses.Result r = jar.cli(seedCommands(UUID.randomUUID().toString()), "-H", "127.0.0.1",
        "-P", Integer.toString(ports[0]));
    assertEquals(seedSession(), r.outLines(), "stderr: " + r.err());
    assertEquals(0, r.status());
  }

  @Test
  @Order(3)
  void theSeed002SessionAtAPseudoTerminal() throws Exception {
    String key = UUID.randomUUID().toString();
    try (JarProcesses.Session s = jar.session(true, ports[0])) {
      String banner = s.await(addr(2));
      assertTrue(banner.contains("Connected to ringkv at " + addr(0) + "\nKnown nodes:\n" + addr(0) + "\n"
          + addr(1) + "\n" + addr(2)), banner);
      s.send("SET " + key + " '" + SEED_VALUE + "'");
      s.await("Created (2 replicas)");
      s.send("GET " + key);
      s.await(SEED_VALUE + "\n");
      s.send("DELETE " + key);
      s.await("Deleted (2 replicas)");
      s.send("GET " + key);
      s.await("Not found");
      s.send("GET not-a-uuid");
      s.await("Error: Key is not a proper UUID4");
      // a failed command does not end an interactive session; its status counts it
      assertEquals(1, s.quit());
    }
  }

  @Test
  @Order(4)
  void aNodeStartedWithKeyFormatUuid4RefusesOtherKeysAndTheStatusSaysSo() throws Exception {
    JarProcesses.Result r = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[1]),
        "-e", "SET not-a-uuid v; GET " + SEED_KEY);
    assertEquals("Error: Key is not a proper UUID4", r.err().strip());
    assertEquals("Not found", r.outLines().get(r.outLines().size() - 1), r.out());
    assertEquals(1, r.status());
  }

  @Test
  @Order(5)
  void exitStatusesOfDashE() throws Exception {
    String p = Integer.toString(ports[0]);
    assertEquals(0, jar.cli("", "-H", "127.0.0.1", "-P", p, "-e", "HELP; CONSISTENCY").status());
    JarProcesses.Result unknown = jar.cli("", "-H", "127.0.0.1", "-P", p, "-e", "FROB x; HELP");
    assertEquals(1, unknown.status());
    assertTrue(unknown.err().contains("Error: unknown command 'FROB'"), unknown.err());
    assertTrue(unknown.out().contains("Commands (case-insensitive):"), "later commands still run: " + unknown.out());
    JarProcesses.Result usage = jar.cli("", "-H", "127.0.0.1", "-P", p, "--connect-wait", "-1", "-e", "HELP");
    assertEquals(2, usage.status(), usage.err());
    int closed = JarProcesses.freePort();
    JarProcesses.Result noNode = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(closed), "-e", "HELP");
    assertEquals(1, noNode.status());
    assertTrue(noNode.err().startsWith("Error: failed to connect to ringkv at 127.0.0.1:" + closed), noNode.err());
  }

  @Test
  @Order(6)
  void concurrentWritesShowAsSiblingsAndASetReplacesThemAll() throws Exception {
    String key = UUID.randomUUID().toString();
    String p0 = Integer.toString(ports[0]);
    assertEquals(0, jar.cli("", "-H", "127.0.0.1", "-P", p0, "-e", "SET " + key + " v1").status());
    try (JarProcesses.Session a = jar.session(false, ports[0])) {
      a.await("Known nodes:");
      a.send("GET " + key);
      a.await("v1\n");
      // another session overwrites v1 (it reads first, so v2 replaces v1) ...
      JarProcesses.Result b = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[1]),
          "-e", "SET " + key + " v2");
      assertEquals(List.of("Updated (2 replicas)"), b.outLines().subList(b.outLines().size() - 1,
          b.outLines().size()), b.out() + b.err());
      // ... while this one still writes over the v1 it read: v3 is concurrent with v2
      a.send("SET " + key + " v3");
      a.await("Updated (2 replicas)");
      a.send("GET " + key);
      String siblings = a.await("(a SET of this key now replaces all of them)");
      List<String> lines = siblings.lines().toList();
      int head = lines.indexOf("2 siblings (concurrent writes):");
      assertTrue(head >= 0, siblings);
      assertEquals(Set.of("v2", "v3"), Set.of(lines.get(head + 1).replaceFirst("^  1\\) ", ""),
          lines.get(head + 2).replaceFirst("^  2\\) ", "")), siblings);
      a.send("SET " + key + " v4");
      a.await("Updated (2 replicas)");
      a.send("GET " + key);
      String after = a.await("v4\n");
      assertTrue(!after.contains("siblings"), after);
      a.send("WHERE " + key);
      String where = a.await(out -> out.lines().filter(l -> l.endsWith("value v4")).count() == 2, "two replicas");
      List<String> rows = where.lines().filter(l -> !l.isBlank()).toList();
      assertTrue(rows.get(0).matches("ROLE +NODE +ADDRESS +HOLDS"), where);
      assertEquals(2, rows.stream().skip(1).filter(l -> l.endsWith("value v4")).count(), where);
      assertEquals(0, a.quit());
    }
  }

  @Test
  @Order(7)
  void nodesShowsEveryNodeUpAndVerifyFindsEveryKeyOnItsOwners() throws Exception {
    JarProcesses.Result r = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[2]), "-e", "NODES; VERIFY");
    assertEquals(0, r.status(), r.out() + r.err());
    List<String> lines = r.outLines();
    int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("ID ")).findFirst().orElseThrow());
    assertTrue(lines.get(header).matches("ID +ADDRESS +STATUS +ROLE +TOKENS +OWNS"), r.out());
    for (int i = 0; i < 3; i++) {
      String row = lines.get(header + 1 + i);
      assertTrue(row.matches("n" + (i + 1) + " +" + addr(i).replace(".", "\\.") + " +UP +owner +1024 +\\d+\\.\\d%"), row);
    }
    String verify = lines.get(header + 4);
    assertTrue(verify.matches("Checked \\d+ keys: 0 under-replicated \\(held by fewer than their owners\\), "
        + "0 misplaced \\(held by a non-owner\\)"), verify);
    assertTrue(!verify.startsWith("Checked 0 "), "the earlier tests wrote keys: " + verify);
  }

  /** Sends NODES until the session's node shows {@code id} DOWN (bounded). */
  /**
   * Until both survivors' own views (a fresh {@code -e NODES} against each) show {@code id} DOWN. The
   * session's NODES is no use for this: its client marks a node it lost DOWN at once (issue 16's live
   * node lists), seconds before the nodes' failure detectors convict it, and until they do a
   * coordinator still waits for that node's answer.
   */
  private void awaitDown(JarProcesses.Session s, String id) throws Exception {
    long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(JarProcesses.WAIT_MS);
    for (int survivor = 0; survivor < 2; survivor++) {
      while (true) {
        JarProcesses.Result r = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[survivor]), "-e", "NODES");
        if (r.out().lines().anyMatch(l -> l.matches(id + " .* DOWN .*"))) {
          break;
        }
        if (System.nanoTime() > end) {
          throw new AssertionError(id + " not DOWN in " + addr(survivor) + "'s view: " + r.out() + r.err());
        }
        Thread.sleep(500);
      }
    }
  }

  @Test
  @Order(9)
  void theSessionFailsOverWhenItsNodeIsKilled() throws Exception {
    String key = UUID.randomUUID().toString();
    try (JarProcesses.Session s = jar.session(false, ports[2])) {
      s.await("Known nodes:");
      s.send("SET " + key + " before-the-kill");
      s.await("Created (2 replicas)");
      nodes[2].destroyForcibly(); // SIGKILL: no goodbye to the session or the cluster
      nodes[2].waitFor();
      String reconnected = s.await(out -> out.contains("Reconnected to ringkv at " + addr(0) + "\n")
          || out.contains("Reconnected to ringkv at " + addr(1) + "\n"), "a reconnect to a survivor");
      // "Known nodes:" after the reconnect lists the live nodes only: exactly the two survivors, never
      // the node the session just lost (issue 16, item 2)
      String after = reconnected.substring(reconnected.lastIndexOf("Reconnected to ringkv at "));
      List<String> lines = after.lines().toList();
      assertEquals("Known nodes:", lines.get(1), after);
      assertEquals(java.util.Set.of(addr(0), addr(1)), java.util.Set.copyOf(lines.subList(2, 4)), after);
      assertFalse(after.contains(addr(2)), "the killed node is listed as known: " + after);
      // Until the failure detector convicts n3 (about 4.5 s of silence) a coordinator still waits for it,
      // and a read at R=2 of a key n3 owns fails with "1 of 2 required replicas answered": as designed.
      awaitDown(s, "n3");
      // Only owners count toward R and W (a stand-in keeps a hint but does not make the quorum): with
      // one owner of the key dead a piped session (strict) would fail; downgraded, the owner left answers
      s.send("CONSISTENCY DOWNGRADE");
      s.send("GET " + key);
      s.await("before-the-kill\n");
      // likewise the write: W=2, or the owner left with the downgrade named
      s.send("SET " + key + " after-the-kill");
      // (the downgraded retry is sloppy: the owner left and a stand-in may make up W=2)
      s.await(out -> out.contains("Updated (2 replicas)\n") || out.contains("(1 replica; W=2 not reachable)\n")
          || out.contains("(2 replicas counting stand-ins; W=2 owners not reachable)\n"),
          "the write, at W=2 or downgraded");
      s.send("GET " + key);
      s.await("after-the-kill\n");
      assertEquals(0, s.quit());
    }
    JarProcesses.Result verify = jar.cli("", "-H", "127.0.0.1", "-P", Integer.toString(ports[0]), "-e", "VERIFY");
    assertEquals(1, verify.status(), verify.out() + verify.err());
    assertTrue(verify.out().contains("No answer from: n3"), verify.out() + verify.err());
    assertEquals("Error: VERIFY found keys that are not on exactly their owners", verify.err().strip());
  }
}
