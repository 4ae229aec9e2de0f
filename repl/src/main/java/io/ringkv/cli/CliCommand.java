package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClientTls;
import io.ringkv.client.Credentials;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringkv cli}: connect to a node and run the REPL (interactive, piped, or {@code -e}). */
@Command(name = "cli", mixinStandardHelpOptions = true,
    description = "Connect to a ringkv node and run commands (GET, SET, DELETE, WHERE, NODES, RING, ...).",
    footer = {"", "Exit status: 0 when every command succeeded, 1 when one failed or no node answered, 2 on bad usage."})
public final class CliCommand implements Callable<Integer> {
  /** Where a session's history goes unless --history-file says otherwise. */
  static final String DEFAULT_HISTORY_FILE = ".ringkv_history";

  @Option(names = {"-H", "--host"}, defaultValue = "127.0.0.1", description = "node host (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = {"-P", "--port"}, defaultValue = "7001", description = "node client port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = {"-e", "--execute"}, paramLabel = "\"CMD; CMD\"",
      description = "run these commands, separated by ';', then exit")
  String script;

  @Option(names = "--downgrade", description = "in -e scripts and piped input too: when too few replicas are alive"
      + " for the quorum, answer from those left, with a warning, instead of failing (interactive sessions do by"
      + " default; CONSISTENCY STRICT turns it off)")
  boolean downgrade;

  @Option(names = "--history-file", paramLabel = "FILE",
      description = "history of interactive sessions (default: ~/" + DEFAULT_HISTORY_FILE + ")")
  Path historyFile;

  @Option(names = "--connect-wait", paramLabel = "SECONDS", defaultValue = "0",
      description = "keep trying to connect for this long, e.g. while the node starts (default: ${DEFAULT-VALUE})")
  int connectWaitSeconds;

  @Option(names = {"-u", "--user"}, paramLabel = "USER",
      description = "log in as USER (nodes with --auth on); the password comes from RINGKV_PASSWORD or a prompt")
  String user;

  @Option(names = "--tls-ca", paramLabel = "CA.pem", description = "connect with TLS, trusting this CA (PEM)")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "CERT.pem",
      description = "client certificate, for nodes with --tls-require-client-cert (with --tls-key)")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "the client certificate's PKCS#8 key")
  Path tlsKey;

  @Option(names = "--tls-no-verify-hostname",
      description = "accept a node certificate that does not name the host connected to (testing only)")
  boolean tlsNoVerifyHostname;

  @Option(names = "--tls-provider", paramLabel = "auto|openssl|jdk",
      description = "TLS implementation (default: -Dringkv.tls.provider, else auto: OpenSSL when it loads, else the JDK)")
  String tlsProvider;

  /** Pause between connection attempts within --connect-wait. */
  static final long CONNECT_RETRY_MS = 250;

  /** Sleeping, replaceable by tests. */
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  // The outside world, replaceable by tests.
  Function<ClientConfig, RingkvClient> connector = RingkvClient::connect;
  BooleanSupplier terminalAttached = () -> System.console() != null;
  InputStream stdin = System.in;
  OutputStream stdout = System.out;
  OutputStream stderr = System.err;
  LongSupplier nanoClock = System::nanoTime;
  Sleeper sleeper = Thread::sleep;
  Function<String, String> getenv = System::getenv;
  /** Asks for the password at the terminal; null when there is none. */
  Function<String, char[]> passwordPrompt = prompt -> System.console() == null ? null
      : System.console().readPassword("%s", prompt);

  /**
   * Connects, retrying while the node is unreachable for up to --connect-wait seconds (a node opens its
   * port a little before it serves). Other failures are not retried.
   */
  private RingkvClient connect(ClientConfig config) throws InterruptedException {
    long deadline = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(connectWaitSeconds);
    while (true) {
      try {
        return connector.apply(config);
      } catch (RingkvException e) {
        if (e.code() == io.ringkv.protocol.ErrorCode.UNAUTHENTICATED || nanoClock.getAsLong() - deadline >= 0) {
          throw e;
        }
        sleeper.sleep(CONNECT_RETRY_MS);
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
    if (connectWaitSeconds < 0) {
      err.println("Error: --connect-wait must be >= 0, got " + connectWaitSeconds);
      return 2;
    }
    NodeAddress node;
    try {
      node = new NodeAddress(host, port);
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    ClientConfig config = ClientConfig.of(node);
    try {
      if (tlsCa != null) {
        ClientTls tls = ClientTls.trusting(tlsCa);
        if (tlsProvider != null) {
          tls = tls.withProvider(io.ringkv.protocol.TlsProvider.parse(tlsProvider, "--tls-provider"));
        }
        if (tlsCert != null || tlsKey != null) {
          tls = tls.withClientCertificate(tlsCert, tlsKey);
        }
        config = config.withTls(tlsNoVerifyHostname ? tls.withoutHostnameVerification() : tls);
      } else if (tlsCert != null || tlsKey != null) {
        err.println("Error: --tls-cert and --tls-key need --tls-ca");
        return 2;
      }
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    if (user != null) {
      String password = getenv.apply("RINGKV_PASSWORD");
      if (password == null || password.isEmpty()) {
        char[] typed = passwordPrompt.apply("password for " + user + ": ");
        if (typed == null) {
          err.println("Error: -u " + user + " needs a password: set RINGKV_PASSWORD or run at a terminal");
          return 2;
        }
        password = new String(typed);
      }
      config = config.withCredentials(new Credentials(user, password));
    }
    RingkvClient client;
    try {
      client = connect(config);
    } catch (RuntimeException e) {
      err.println("Error: failed to connect to ringkv at " + node + ": " + e.getMessage());
      return 1;
    }
    try (client) {
      boolean interactive = script == null && terminalAttached.getAsBoolean();
      if (!interactive) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
        Repl repl = new Repl(client, out, err);
        repl.downgrade(downgrade); // scripts keep strict failures unless asked
        LineSource in = script != null
            ? ScriptLineSource.of(script)
            : new ReaderLineSource(new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)));
        return repl.run(in) ? 0 : 1;
      }
      try (Terminal terminal = TerminalBuilder.builder().system(true).encoding(StandardCharsets.UTF_8).build()) {
        Repl repl = new Repl(client, terminal.writer(), err);
        repl.downgrade(true); // a person at a terminal gets an answer while any replica lives (seed 002)
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
