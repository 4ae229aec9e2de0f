package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.NodeAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code ringkv.jar} processes for the end-to-end tests: nodes ({@code java -jar ringkv.jar node})
 * and REPL sessions ({@code java -jar ringkv.jar cli}) run as an operator runs them, with piped stdin,
 * {@code -e}, or a pseudo-terminal ({@code script(1)}). Kills every process it started on close.
 * Waits are bounded and generous (the machine is shared): they wait for a state, they measure nothing.
 */
public final class JarProcesses implements AutoCloseable {
  /** Longest wait for a node to serve, a session to answer, or a process to end. */
  public static final long WAIT_MS = 180_000;

  final Path jar = Path.of(System.getProperty("ringkv.jar", "target/ringkv.jar")).toAbsolutePath();
  final Path dir;
  private final List<Process> processes = new ArrayList<>();

  public JarProcesses(Path dir) {
    this.dir = dir;
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": run through Maven's verify (after package)");
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  List<String> java(String heap) {
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
  }

  /** {@code ringkv node} with its output in {@code <id>.log}. */
  Process node(String id, int port, List<String> args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(port),
        "--metrics-port", "-1"));
    all.addAll(args);
    return node(id, List.of(), all);
  }

  /**
   * {@code java JVM_FLAGS -jar ringkv.jar node --id ID --data-dir DIR/ID --storage-entries 20000 ARGS}, its
   * output in {@code <id>.log}: no address or HTTP flag of its own, for the tests of those flags.
   */
  public Process node(String id, List<String> jvmFlags, List<String> args) throws IOException {
    List<String> cmd = java("256m");
    cmd.addAll(cmd.size() - 2, jvmFlags); // before -jar
    cmd.addAll(List.of("node", "--id", id, "--data-dir", dir.resolve(id).toString(), "--storage-entries", "20000"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(id + ".log").toFile()).start();
    processes.add(p);
    return p;
  }

  public String log(String id) throws IOException {
    return Files.readString(dir.resolve(id + ".log"));
  }

  /** Until {@code count} nodes are UP in the view of the node at {@code port}. */
  static void awaitUp(int port, int count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    String last = "no answer";
    while (System.nanoTime() < end) {
      try (RingkvClient c = RingkvClient.connect(ClientConfig.of(new NodeAddress("127.0.0.1", port)))) {
        ClusterInfo info = c.blocking().info();
        long up = info.nodes().stream().filter(n -> n.status().equals("UP")).count();
        if (up == count) {
          return;
        }
        last = info.nodes().toString();
      } catch (RuntimeException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError(count + " nodes not UP at port " + port + " within " + WAIT_MS + " ms: " + last);
  }

  /** The outcome of a finished session. */
  record Result(int status, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }
  }

  /** {@code ringkv cli ARGS} with {@code stdin} piped in (then closed), run to its end. */
  Result cli(String stdin, String... args) throws Exception {
    List<String> cmd = java("128m");
    cmd.add("cli");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    processes.add(p);
    Drain out = new Drain(p.getInputStream());
    Drain err = new Drain(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("cli " + List.of(args) + " did not end; out: " + out.text() + " err: " + err.text());
    }
    out.join();
    err.join();
    return new Result(p.exitValue(), out.text(), err.text());
  }

  /** A session that stays open: lines are sent one at a time and the output awaited. */
  Session session(boolean pseudoTerminal, int port) throws IOException {
    List<String> cmd = java("128m");
    cmd.addAll(List.of("cli", "-H", "127.0.0.1", "-P", Integer.toString(port),
        "--history-file", dir.resolve("history").toString()));
    ProcessBuilder pb;
    if (pseudoTerminal) {
      // script(1) runs the REPL on a new pseudo-terminal and copies our pipe to it: System.console() is
      // then present and the REPL runs JLine, as at a real terminal.
      pb = new ProcessBuilder("script", "-q", "-f", "-e", "-c", shellQuote(cmd), "/dev/null");
      pb.environment().put("TERM", "xterm");
    } else {
      pb = new ProcessBuilder(cmd);
    }
    Process p = pb.redirectErrorStream(true).start();
    processes.add(p);
    return new Session(p);
  }

  private static String shellQuote(List<String> cmd) {
    StringBuilder b = new StringBuilder();
    for (String s : cmd) {
      b.append('\'').append(s.replace("'", "'\\''")).append("' ");
    }
    return b.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Copies a stream into memory on its own thread. */
  static final class Drain extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Drain(InputStream in) {
      this.in = in;
      setDaemon(true);
      start();
    }

    @Override
    public void run() {
      byte[] b = new byte[4096];
      try {
        for (int n; (n = in.read(b)) >= 0; ) {
          synchronized (buf) {
            buf.write(b, 0, n);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }

    String text() {
      synchronized (buf) {
        return buf.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** An open REPL: stdout and stderr together, terminal escapes and carriage returns removed. */
  static final class Session implements AutoCloseable {
    final Process process;
    private final Drain output;
    private final OutputStream in;
    private int mark;

    Session(Process process) {
      this.process = process;
      this.output = new Drain(process.getInputStream());
      this.in = process.getOutputStream();
    }

    String text() {
      return output.text().replaceAll("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[=>]|\r", "");
    }

    void send(String line) throws IOException {
      mark = text().length();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    /** Until the output since the last {@link #send} holds {@code expected}; returns that output. */
    String await(String expected) throws InterruptedException {
      return await(out -> out.contains(expected), "'" + expected + "'");
    }

    /** Until the output since the last {@link #send} satisfies {@code done}; returns that output. */
    String await(java.util.function.Predicate<String> done, String what) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
      while (true) {
        boolean alive = process.isAlive();
        String all = text();
        String since = all.substring(Math.min(mark, all.length()));
        if (done.test(since)) {
          return since;
        }
        if (!alive) {
          throw new AssertionError("session ended without " + what + "; output:\n" + all);
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("no " + what + " within " + WAIT_MS + " ms; output:\n" + all);
        }
        Thread.sleep(50);
      }
    }

    /** Sends QUIT and waits for the process to end; returns its exit status. */
    int quit() throws Exception {
      send("QUIT");
      if (!process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("session did not end on QUIT; output:\n" + text());
      }
      output.join(10_000);
      return process.exitValue();
    }

    @Override
    public void close() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
