package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/ringkv demo} for real (issue 15, item 2): the script, the packaged jar, three real nodes and
 * the REPL on piped stdin. It starts, opens the REPL once every node is UP, prints the dashboard URL,
 * answers a SET and a GET (and the README's curl line), and on QUIT, on end of input and on Ctrl-C
 * while the nodes start it stops every process it started. The fake-java test
 * ({@code repl/src/test/sh/ringkv-demo-test.sh}) covers the orchestration's corner cases.
 */
class DemoProcessIT {
  static final long WAIT_S = 240;

  @TempDir
  Path dir;
  private Process demo;
  private List<ProcessHandle> started = List.of();

  @AfterEach
  void stopAll() throws InterruptedException {
    if (demo != null) {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
      demo.waitFor(10, TimeUnit.SECONDS);
    }
    started.forEach(ProcessHandle::destroyForcibly);
  }

  /** A base port whose three ports and their HTTP ports (+1000) are free now. */
  private static int basePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
      boolean free = true;
      for (int p : new int[] {base, base + 1, base + 2, base + 1000, base + 1001, base + 1002}) {
        try (ServerSocket s = new ServerSocket(p)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
          break;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("no free port range");
  }

  private Process startDemo(int base) throws IOException {
    return startDemo(base, false);
  }

  private Process startDemo(int base, boolean secure) throws IOException {
    Path root = Path.of(System.getProperty("ringkv.root", "..")).toAbsolutePath().normalize();
    Path jar = Path.of(System.getProperty("ringkv.jar", "target/ringkv.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": run through Maven's verify (after package)");
    // setsid: the demo gets its own process group, so a Ctrl-C can be sent to it as a terminal would.
    // env --default-signal=INT: a build started in the background (`cmd &` in a script) passes SIGINT on
    // ignored, and a shell that starts with SIGINT ignored cannot trap it; a terminal's shell never does.
    List<String> cmd = new java.util.ArrayList<>(List.of("setsid", "env", "--default-signal=INT",
        root.resolve("bin/ringkv").toString(), "demo"));
    if (secure) {
      cmd.add("--secure");
    }
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("demo.out").toFile());
    pb.environment().put("RINGKV_JAR", jar.toString());
    pb.environment().put("DEMO_BASE_PORT", Integer.toString(base));
    pb.environment().put("DEMO_NODE_ARGS", "--storage-entries 20000");
    pb.environment().put("RINGKV_JVM_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    pb.environment().put("DEMO_START_TIMEOUT", "180");
    return pb.start();
  }

  private String output() throws IOException {
    return Files.readString(dir.resolve("demo.out"));
  }

  private String await(String expected, String what) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (true) {
      String out = output();
      if (out.contains(expected)) {
        return out;
      }
      assertTrue(demo.isAlive(), () -> "the demo exited (" + demo.exitValue() + ") before " + what + ":\n" + out);
      assertTrue(System.nanoTime() < end, "no " + what + " in " + WAIT_S + " s:\n" + out);
      Thread.sleep(200);
    }
  }

  /** The node JVMs the demo started (its java descendants but the REPL's). */
  private List<ProcessHandle> nodes() {
    return demo.descendants().filter(p -> p.info().arguments().map(a -> List.of(a).contains("node")).orElse(false))
        .toList();
  }

  private void assertAllStopped(List<ProcessHandle> nodes) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (ProcessHandle p : nodes) {
      while (p.isAlive() && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      assertFalse(p.isAlive(), "node process " + p.pid() + " still runs after the demo ended");
    }
  }

  private static void type(OutputStream in, String line) throws IOException {
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  @Test
  void theDemoAnswersASetAndAGetAndStopsItsNodesOnQuit() throws Exception {
    int base = basePort();
    demo = startDemo(base);
    String out = await("Known nodes:", "the REPL's banner");
    assertTrue(out.contains("dashboard at http://127.0.0.1:" + (base + 1000) + "/"), out);
    started = nodes();
    assertEquals(3, started.size(), "three node JVMs: " + out);
    OutputStream in = demo.getOutputStream();
    type(in, "SET greeting 'hello, ringkv'");
    await("Created (2 replicas)", "the SET's answer");
    type(in, "GET greeting");
    await("hello, ringkv\n", "the GET's answer");

    // the README's curl line against the demo
    HttpResponse<String> curl = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + (base + 1000) + "/kv/greeting")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, curl.statusCode());
    assertEquals("hello, ringkv", curl.body());

    type(in, "QUIT");
    assertTrue(demo.waitFor(WAIT_S, TimeUnit.SECONDS), "the demo did not end after QUIT:\n" + output());
    assertEquals(0, demo.exitValue(), output());
    assertAllStopped(started);
    assertTrue(output().contains("ringkv demo: stopping n1 n2 n3"), output());
  }

  @Test
  void endOfInputEndsTheDemoAndStopsItsNodes() throws Exception {
    demo = startDemo(basePort());
    await("Known nodes:", "the REPL's banner");
    started = nodes();
    assertEquals(3, started.size());
    demo.getOutputStream().close(); // Ctrl-D
    assertTrue(demo.waitFor(WAIT_S, TimeUnit.SECONDS), "the demo did not end at end of input:\n" + output());
    assertEquals(0, demo.exitValue(), output());
    assertAllStopped(started);
  }

  @Test
  void ctrlCWhileTheNodesStartStopsTheOnesStarted() throws Exception {
    demo = startDemo(basePort());
    await("starting n2", "the second node's start");
    started = nodes();
    assertFalse(started.isEmpty(), "no node started yet:\n" + output());
    // a terminal's Ctrl-C: SIGINT to the demo's whole process group
    new ProcessBuilder("kill", "-INT", "--", "-" + demo.pid()).inheritIO().start().waitFor();
    assertTrue(demo.waitFor(WAIT_S, TimeUnit.SECONDS), "the demo did not end on Ctrl-C:\n" + output());
    assertEquals(130, demo.exitValue(), output());
    assertAllStopped(started);
    assertTrue(output().contains("ringkv demo: stopping"), output());
  }

  @Test
  void theSecureDemoRunsWithTlsAndALogin() throws Exception {
    int base = basePort();
    demo = startDemo(base, true);
    String out = await("Known nodes:", "the REPL's banner (TLS, logged in as admin)");
    assertTrue(out.contains("dashboard at https://127.0.0.1:" + (base + 1000) + "/"), out);
    started = nodes();
    assertEquals(3, started.size(), out);
    OutputStream in = demo.getOutputStream();
    type(in, "SET greeting secret");
    await("Created (2 replicas)", "the SET's answer");
    type(in, "VERIFY"); // an admin command: the demo's user is admin
    await("misplaced", "VERIFY's answer");
    type(in, "QUIT");
    assertTrue(demo.waitFor(WAIT_S, TimeUnit.SECONDS), "the demo did not end after QUIT:\n" + output());
    assertEquals(0, demo.exitValue(), output());
    assertAllStopped(started);
    assertTrue(Files.isRegularFile(dir.resolve("data/demo/pki/ca.pem")), "the demo made its certificates");
  }
}
