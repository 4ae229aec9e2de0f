package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap and collector {@code bin/ringkv node} gives a node (issue 14's memory aim): the defaults when
 * {@code RINGKV_JVM_OPTS} names neither, each part replaced when it names its own, and a real node started
 * through the script running with them.
 */
class NodeJvmDefaultsIT {
  static final long WAIT_S = 120;

  @TempDir
  Path dir;
  private Process node;

  @AfterEach
  void stop() throws InterruptedException {
    if (node != null) {
      node.destroy();
      if (!node.waitFor(20, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor();
      }
    }
  }

  private static Path root() {
    return Path.of(System.getProperty("ringkv.root", "..")).toAbsolutePath().normalize();
  }

  private static Path jar() {
    return Path.of(System.getProperty("ringkv.jar", "target/ringkv.jar")).toAbsolutePath();
  }

  private String defaultsWith(String opts) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(root().resolve("bin/ringkv").toString(), "jvm-defaults")
        .redirectErrorStream(true);
    pb.environment().remove("RINGKV_JVM_OPTS");
    if (opts != null) {
      pb.environment().put("RINGKV_JVM_OPTS", opts);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void theDefaultsGiveWayToTheOperatorsHeapOrCollector() throws Exception {
    assertEquals("-Xms64m -Xmx256m -XX:+UseSerialGC", defaultsWith(null));
    assertEquals("-Xms64m -Xmx256m -XX:+UseSerialGC", defaultsWith("-Dfoo=1 -Xss512k"));
    assertEquals("-XX:+UseSerialGC", defaultsWith("-Xmx2g"));
    assertEquals("-XX:+UseSerialGC", defaultsWith("-Xms1g"), "an -Xms above 256m must not meet our -Xmx");
    assertEquals("-XX:+UseSerialGC", defaultsWith("-XX:MaxRAMPercentage=25"));
    assertEquals("-Xms64m -Xmx256m", defaultsWith("-XX:+UseG1GC"), "two collectors would stop the JVM");
    assertEquals("", defaultsWith("-Xmx1g -XX:+UseZGC"));
  }

  @Test
  void aNodeStartedByTheScriptRunsWithTheDefaults() throws Exception {
    assertTrue(Files.isRegularFile(jar()), "no " + jar() + ": run through Maven's verify (after package)");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("node.log");
    ProcessBuilder pb = new ProcessBuilder(root().resolve("bin/ringkv").toString(), "node", "--id", "d1",
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--http-port", "-1",
        "--data-dir", dir.resolve("d1").toString(), "--replication-factor", "1", "--storage-entries", "10000")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("RINGKV_JVM_OPTS");
    pb.environment().put("RINGKV_JAR", jar().toString());
    node = pb.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!Files.readString(log).contains("serving at")) {
      assertTrue(node.isAlive(), () -> "the node exited:\n" + read(log));
      assertTrue(System.nanoTime() < end, () -> "the node did not serve in " + WAIT_S + " s:\n" + read(log));
      Thread.sleep(100);
    }
    // the script execs the JVM, so the process it started is the node itself
    List<String> args = List.of(node.info().arguments().orElseThrow());
    assertTrue(args.containsAll(List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC")), args.toString());
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
