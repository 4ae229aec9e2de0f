package io.ringkv.cli;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.RingkvClient;
import io.ringkv.gossip.Endpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringkv cli}: connect to a node and run the REPL (interactive, piped, or {@code -e}). */
@Command(name = "cli", mixinStandardHelpOptions = true,
    description = "Connect to a ringkv node and run commands (GET, SET, DELETE, WHERE, NODES, RING, ...).",
    footer = {"", "Exit status: 0 when every command succeeded, 1 when one failed or no node answered, 2 on bad usage."})
final class CliCommand implements Callable<Integer> {
  /** Where a session's history goes unless --history-file says otherwise. */
  static final String DEFAULT_HISTORY_FILE = ".ringkv_history";

  @Option(names = {"-H", "--host"}, defaultValue = "127.0.0.1", description = "node host (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = {"-P", "--port"}, defaultValue = "7001", description = "node client port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = {"-e", "--execute"}, paramLabel = "\"CMD; CMD\"",
      description = "run these commands, separated by ';', then exit")
  String script;

  @Option(names = "--history-file", paramLabel = "FILE",
      description = "history of interactive sessions (default: ~/" + DEFAULT_HISTORY_FILE + ")")
  Path historyFile;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    Endpoint node;
    try {
      node = new Endpoint(host, port);
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    RingkvClient client;
    try {
      client = RingkvClient.connect(ClientConfig.of(node));
    } catch (RuntimeException e) {
      err.println("Error: failed to connect to ringkv at " + node + ": " + e.getMessage());
      return 1;
    }
    try (client) {
      boolean interactive = script == null && System.console() != null;
      if (!interactive) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        Repl repl = new Repl(client, out, err);
        LineSource in = script != null
            ? ScriptLineSource.of(script)
            : new ReaderLineSource(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        return repl.run(in) ? 0 : 1;
      }
      try (Terminal terminal = TerminalBuilder.builder().system(true).encoding(StandardCharsets.UTF_8).build()) {
        Repl repl = new Repl(client, terminal.writer(), err);
        Path history = historyFile != null ? historyFile : Path.of(System.getProperty("user.home"), DEFAULT_HISTORY_FILE);
        TerminalLineSource in = new TerminalLineSource(terminal, history);
        Thread main = Thread.currentThread();
        // Ctrl-C while a command waits for the cluster: stop waiting (while typing, JLine handles it).
        terminal.handle(Terminal.Signal.INT, signal -> main.interrupt());
        boolean ok = repl.run(in);
        in.saveHistory();
        return ok ? 0 : 1;
      }
    }
  }
}
