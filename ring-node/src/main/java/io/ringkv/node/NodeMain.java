package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringkv node}: starts one node and blocks until it is stopped (SIGTERM, Ctrl-C) or refused by
 * its cluster. Every flag may also come from a properties file given with {@code --config}, keyed by
 * the flag's long name without dashes ({@code replication-factor=3}); flags on the command line win.
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Start a ringkv node.")
public final class NodeMain implements Callable<Integer> {

  @Option(names = "--id", description = "Node id; kept in the data directory (default: the stored id, else the host_port).")
  String id;

  @Option(names = "--host", description = "Address other nodes and clients reach this node at (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1")
  String host;

  @Option(names = "--port", description = "Port for clients and nodes (default: ${DEFAULT-VALUE}).", defaultValue = "7001")
  int port;

  @Option(names = "--bind", description = "Address to listen on (default: the --host address).")
  String bindHost;

  @Option(names = "--data-dir", required = true, description = "Directory for the object store, hints and node identity.")
  Path dataDir;

  @Option(names = "--cluster-name", defaultValue = "ringkv",
      description = "Cluster name; a node refuses to join a cluster of another name (default: ${DEFAULT-VALUE}).")
  String clusterName;

  @Option(names = "--replication-factor", defaultValue = "3",
      description = "N, copies of each key; every node of a cluster must agree (default: ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--r", defaultValue = "0", description = "Default read quorum (default: a majority of N).")
  int r;

  @Option(names = "--w", defaultValue = "0", description = "Default write quorum (default: a majority of N).")
  int w;

  @Option(names = "--key-format", defaultValue = "any", description = "Key rule for the cluster: any or uuid4 (default: ${DEFAULT-VALUE}).")
  String keyFormat;

  @Option(names = "--join", split = ",", description = "HOST:PORT of any existing member; repeatable.")
  List<String> join = new ArrayList<>();

  @Option(names = "--vnodes", defaultValue = "" + NodeDefaults.VNODES,
      description = "Ring tokens for a new node; ignored once the node has tokens (default: ${DEFAULT-VALUE}).")
  int vnodes;

  @Option(names = "--storage-entries", defaultValue = "1000000",
      description = "Keys the object store is sized for; fixed when the store is created (default: ${DEFAULT-VALUE}).")
  long storageEntries;

  @Option(names = "--storage-average-key-bytes", defaultValue = "36", description = "(default: ${DEFAULT-VALUE}, a UUID)")
  int storageAverageKeyBytes;

  @Option(names = "--storage-average-value-bytes", defaultValue = "1024", description = "(default: ${DEFAULT-VALUE})")
  int storageAverageValueBytes;

  @Option(names = "--request-timeout-ms", defaultValue = "2000",
      description = "How long a coordinator waits for its quorum (default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--gossip-interval-ms", defaultValue = "1000", description = "(default: ${DEFAULT-VALUE}, as Cassandra)")
  long gossipIntervalMs;

  @Option(names = "--storage-threads", defaultValue = "2", description = "Threads serving replica storage work (default: ${DEFAULT-VALUE}).")
  int storageThreads;

  @Option(names = "--storage-queue-max", defaultValue = "10000",
      description = "Replica requests queued for storage before OVERLOADED (default: ${DEFAULT-VALUE}).")
  int storageQueueMax;

  // descriptionKey: a --config file is keyed by it first, then by the longest name (metrics-port), so
  // http-port= and the deprecated metrics-port= both work there
  @Option(names = {"--http-port", "--metrics-port"}, descriptionKey = "http-port", defaultValue = "0",
      description = "Port of the HTTP API, /metrics (JSON and Prometheus) and the dashboard; 0 = port + 1000"
          + " (default), -1 disables it. --metrics-port is its old, deprecated name.")
  int httpPort;

  @Option(names = "--cleanup-settle-ms", defaultValue = "10000",
      description = "After the ring changed (a join, leave or removal), how long it must stay unchanged before the node"
          + " hands the copies it no longer owns to their owners and drops them (default: ${DEFAULT-VALUE}).")
  long cleanupSettleMs;

  @Option(names = "--anti-entropy-interval-ms", defaultValue = "10000",
      description = "How often the node compares one of its ranges with one peer's hash tree (default:"
          + " ${DEFAULT-VALUE}; an in-sync exchange costs one root hash, so shorter only repairs sooner).")
  long antiEntropyIntervalMs;

  @Option(names = "--tombstone-grace-ms", defaultValue = "600000",
      description = "Least age of a tombstone before it may be purged, once every replica holds it (default:"
          + " ${DEFAULT-VALUE}, 10 min: covers hints and read repairs in flight; the same on every node).")
  long tombstoneGraceMs;

  @Option(names = "--sloppy-quorum",
      description = "Let stand-ins (fallbacks for down owners) count toward R and W, as Dynamo's sloppy quorum:"
          + " writes stay available when most of a key's owners are down, but after a heal a read quorum of"
          + " owners that missed a write or delete may return the old value until hints arrive (default: off;"
          + " only owners count, as Cassandra keeps hints out of its consistency levels).")
  boolean sloppyQuorum;

  @Option(names = "--clock-offset-ms", defaultValue = "0",
      description = "TEST ONLY: add this many ms to the node's wall clock (may be negative), to test clock skew"
          + " between nodes (default: ${DEFAULT-VALUE}).")
  long clockOffsetMs;

  @Option(names = "--unsafe-last-write-wins",
      description = "TEST ONLY: break causality (last write wins) so the Jepsen checkers can be shown to catch it.")
  boolean unsafeLastWriteWins;

  @Option(names = "--tls", defaultValue = "off",
      description = "TLS on the native port: off, client (clients must use TLS), internode (nodes use mutual TLS),"
          + " all (default: ${DEFAULT-VALUE}, as Cassandra; docs/security.md).")
  String tls;

  @Option(names = "--tls-cert", description = "PEM certificate (chain) of this node; `ringkv certs` makes one.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM (PKCS#8, unencrypted) private key of --tls-cert.")
  Path tlsKey;

  @Option(names = "--tls-ca", description = "PEM certificate(s) of the cluster CA: peers' (and clients') certificates"
      + " must be signed by it.")
  Path tlsCa;

  @Option(names = "--tls-require-client-cert",
      description = "Clients on TLS must present a certificate of the CA too (mutual TLS for clients).")
  boolean tlsRequireClientCert;

  @Option(names = "--tls-provider", defaultValue = "auto",
      description = "TLS implementation: auto (OpenSSL when its native library loads, else the JDK), openssl"
          + " (refuse to start without it) or jdk (default: ${DEFAULT-VALUE}).")
  String tlsProvider;

  @Option(names = "--auth", defaultValue = "off",
      description = "on: clients must log in with a user of --users-file (default: ${DEFAULT-VALUE}).")
  String auth;

  @Option(names = "--users-file", description = "Users and password hashes (`ringkv users add`); the same file on"
      + " every node, re-read when it changes.")
  Path usersFile;

  @Option(names = "--allow-plaintext-auth", description = "Accept passwords on connections without TLS (testing only).")
  boolean allowPlaintextAuth;

  @Option(names = "--cluster-secret-file", description = "Shared secret with which nodes prove membership to each"
      + " other when internode TLS is off (at least 16 bytes).")
  Path clusterSecretFile;

  @Option(names = "--config", description = "Properties file with defaults for any of these flags.")
  File config;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.setProperty("chronicle.analytics.disable", "true");
    int code = execute(args);
    System.exit(code);
  }

  /** Parses, starts the node and blocks until it stops; returns the process exit status. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new NodeMain());
    File config = findConfig(args);
    if (config != null) {
      if (!config.isFile()) {
        cl.getErr().println("Error: config file " + config + " does not exist");
        return 2;
      }
      cl.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(config));
    }
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("Error: " + e.getMessage());
      return 1;
    });
    return cl.execute(args);
  }

  private static File findConfig(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return new File(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return new File(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  NodeConfig toConfig() {
    List<Endpoint> seeds = new ArrayList<>();
    for (String j : join) {
      seeds.add(Endpoint.parse(j.trim()));
    }
    int http = httpPort == 0 ? (port + 1000 <= 65535 ? port + 1000 : 0) : Math.max(0, httpPort);
    return new NodeConfig(id, host, port, bindHost == null ? host : bindHost, dataDir, clusterName, replicationFactor,
        r, w, KeyFormat.parse(keyFormat), seeds, vnodes, storageEntries, storageAverageKeyBytes,
        storageAverageValueBytes, requestTimeoutMs, gossipIntervalMs, storageThreads, storageQueueMax,
        httpPort < 0 ? 0 : http, unsafeLastWriteWins, cleanupSettleMs, antiEntropyIntervalMs, tombstoneGraceMs,
        sloppyQuorum, clockOffsetMs, security());
  }

  private io.ringkv.security.SecurityConfig security() {
    boolean authOn = switch (auth == null ? "off" : auth.trim()) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("--auth must be on or off, got '" + auth + "'");
    };
    io.ringkv.transport.tls.TlsConfig t = new io.ringkv.transport.tls.TlsConfig(
        io.ringkv.transport.tls.TlsMode.parse(tls), tlsCert, tlsKey, tlsCa, tlsRequireClientCert,
        io.ringkv.protocol.TlsProvider.parse(tlsProvider, "--tls-provider"));
    return new io.ringkv.security.SecurityConfig(t, authOn, usersFile, allowPlaintextAuth, clusterSecretFile);
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg;
    try {
      cfg = toConfig();
    } catch (IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      return 2;
    }
    PrintWriter err = new PrintWriter(System.err, true);
    int[] exit = {0};
    java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
    ServerNode node;
    try {
      node = ServerNode.start(cfg, reason -> {
        // every seed, and every gossip round until the node has stopped, may refuse it: one line
        if (!refused.compareAndSet(false, true)) {
          return;
        }
        err.println("Error: this node cannot join: " + reason);
        exit[0] = 3;
        stopped.countDown();
      }, () -> {
        // decommissioned, or asked to STOP: give the reply a moment to reach the operator, then stop
        // (node.close() below flushes the stores; the exit status stays 0)
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        stopped.countDown();
      });
    } catch (ServerNode.StartupException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    Thread hook = new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "ringkv-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
    node.close();
    return exit[0];
  }
}
