package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.RingkvClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Nodes as an operator runs them: {@code java [JVM flags] -jar dist/target/ringkv.jar node ...}, each with
 * its output in {@code <id>.log} and its data in {@code <id>/} under one directory. Kills every process it
 * started on close. Waits are bounded and generous (the machine is shared); they wait for a state and
 * measure nothing.
 */
final class RingkvJar implements AutoCloseable {
  /** Longest wait for a node to serve. */
  static final long WAIT_MS = 180_000;

  final Path jar = Path.of(System.getProperty("ringkv.jar", "target/ringkv.jar")).toAbsolutePath();
  final Path dir;
  private final List<Process> processes = new ArrayList<>();

  RingkvJar(Path dir) {
    this.dir = dir;
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": run through Maven's verify (after package)");
  }

  /** A port free on every local address now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** {@code ringkv node --id ID --data-dir DIR/ID --storage-entries 20000 ARGS}, the JVM given {@code jvmFlags}. */
  Process node(String id, List<String> jvmFlags, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-jar", jar.toString(), "node", "--id", id, "--data-dir", dir.resolve(id).toString(),
        "--storage-entries", "20000"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile())
        .start();
    processes.add(p);
    return p;
  }

  String log(String id) throws IOException {
    return Files.readString(dir.resolve(id + ".log"));
  }

  /** A client of the node at {@code host:port} once it serves; fails if the node exits first. */
  RingkvClient connect(String id, Process p, String host, int port) throws Exception {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (true) {
      try {
        return RingkvClient.connect(ClientConfig.of(new NodeAddress(host, port)));
      } catch (RuntimeException e) {
        if (!p.isAlive()) {
          throw new AssertionError(id + " exited with " + p.exitValue() + ":\n" + log(id));
        }
        if (System.nanoTime() > end) {
          throw new AssertionError(id + " did not serve at " + host + ":" + port + " within " + WAIT_MS + " ms:\n"
              + log(id), e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** Whether something accepts TCP connections at {@code host:port} (a refusal or a 2 s timeout: no). */
  static boolean listening(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2_000);
      return true;
    } catch (ConnectException | java.net.SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
