package io.ringkv.node;

import io.ringkv.client.NodeAddress;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.RingkvClient;
import io.ringkv.gossip.Endpoint;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@code NodeMain} in child JVMs for real-process tests, and kills every one it started. */
final class NodeProcesses implements AutoCloseable {
  private final Path logDir;
  private final String heap;
  private final List<Process> processes = new ArrayList<>();

  NodeProcesses(Path logDir) {
    this(logDir, "256m");
  }

  /** {@code heap} is each node's -Xmx (the object store is off-heap; the heap holds trees and queues). */
  NodeProcesses(Path logDir, String heap) {
    this.logDir = logDir;
    this.heap = heap;
  }

  /**
   * Starts a node with the test classpath; its output goes to {@code node-<i>.log}. {@code args} may
   * set {@code --storage-entries} and {@code --metrics-port}, which default to 20,000 and off.
   */
  Process start(int port, Path dataDir, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-Dchronicle.analytics.disable=true"));
    for (String opt : System.getProperty("ringkv.jvm.opens", "").split(" ")) {
      if (!opt.isBlank()) {
        cmd.add(opt);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
        "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
    if (!args.contains("--storage-entries")) {
      cmd.addAll(List.of("--storage-entries", "20000"));
    }
    if (!args.contains("--metrics-port")) {
      cmd.addAll(List.of("--metrics-port", "-1"));
    }
    cmd.addAll(args);
    File log = logFile(processes.size());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    processes.add(p);
    return p;
  }

  File logFile(int index) {
    return logDir.resolve("node-" + index + ".log").toFile();
  }

  int started() {
    return processes.size();
  }

  /**
   * Connects a client once the node serves, failing if it exits or takes over 180 s (a node starts in
   * about 4 s on an idle 2-core machine; CI machines run builds beside it).
   */
  static RingkvClient connect(int port, Process p) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      try {
        return RingkvClient.connect(ClientConfig.of(new NodeAddress("127.0.0.1", port)));
      } catch (RuntimeException e) {
        if (!p.isAlive()) {
          throw new AssertionError("node exited with " + p.exitValue());
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("node did not accept connections within 180 s", e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** SIGKILL (on Linux, destroyForcibly sends SIGKILL: no shutdown hook runs). */
  static void kill9(Process p) throws InterruptedException {
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("process " + p.pid() + " survived SIGKILL");
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
