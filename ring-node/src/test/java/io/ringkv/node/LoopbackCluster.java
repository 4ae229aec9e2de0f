package io.ringkv.node;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.RingkvClient;
import io.ringkv.gossip.Endpoint;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Real nodes (Netty on loopback, Chronicle files in a temp dir) in this JVM, for the cluster tests
 * that only real sockets and files can show. Gossip runs every 100 ms so the ring forms quickly; the
 * request timeout is a generous 5 s because these tests check behaviour, not speed, on a busy machine.
 */
final class LoopbackCluster implements AutoCloseable {
  final Path dir;
  final int replicationFactor;
  final List<ServerNode> nodes = new ArrayList<>();
  final List<NodeConfig> configs = new ArrayList<>();
  final List<RingkvClient> clients = new ArrayList<>();
  /** The nodes' --cleanup-settle-ms: long by default, so only the tests of cleanup see it run. */
  final long cleanupSettleMs;
  /** Whether the nodes serve HTTP (on a free port each, see {@link #httpUri}). */
  final boolean http;
  final Security security;

  /**
   * How the nodes are secured and how clients connect ({@link #PLAIN}: no TLS, no auth).
   *
   * @param node the security flags of the node with this id
   * @param client what a test client adds to its config (TLS, credentials)
   */
  record Security(java.util.function.Function<String, io.ringkv.security.SecurityConfig> node,
      java.util.function.UnaryOperator<ClientConfig> client) {}

  static final Security PLAIN = new Security(id -> null, c -> c);

  LoopbackCluster(Path dir, int size, int replicationFactor) throws Exception {
    this(dir, size, replicationFactor, 3_600_000);
  }

  LoopbackCluster(Path dir, int size, int replicationFactor, long cleanupSettleMs) throws Exception {
    this(dir, size, replicationFactor, cleanupSettleMs, false, PLAIN);
  }

  /** With {@code http}, every node also serves the HTTP API on a free port. */
  LoopbackCluster(Path dir, int size, int replicationFactor, long cleanupSettleMs, boolean http) throws Exception {
    this(dir, size, replicationFactor, cleanupSettleMs, http, PLAIN);
  }

  LoopbackCluster(Path dir, int size, int replicationFactor, long cleanupSettleMs, Security security)
      throws Exception {
    this(dir, size, replicationFactor, cleanupSettleMs, false, security);
  }

  LoopbackCluster(Path dir, int size, int replicationFactor, long cleanupSettleMs, boolean http, Security security)
      throws Exception {
    this.security = security;
    this.dir = dir;
    this.http = http;
    this.replicationFactor = replicationFactor;
    this.cleanupSettleMs = cleanupSettleMs;
    for (int i = 0; i < size; i++) {
      startNode();
    }
    awaitCondition(this::ringComplete, 20_000, "the ring did not form");
  }

  /** Starts one more node, joined through the first; returns its index. */
  int startNode() throws Exception {
    int i = configs.size();
    return startNode("n" + (i + 1), dir.resolve("n" + (i + 1)));
  }

  /** Starts one more node with this id and data dir, joined through the first; returns its index. */
  int startNode(String id, Path dataDir) throws Exception {
    int i = configs.size();
    int port = freePort();
    List<Endpoint> join = i == 0 ? List.of() : List.of(configs.get(0).endpoint());
    NodeConfig c = new NodeConfig(id, "127.0.0.1", port, "127.0.0.1", dataDir,
        "test", replicationFactor, 0, 0, KeyFormat.ANY, join, 64, 10_000, 36, 256, 5000, 100, 2, 10_000, http ? freePort() : 0,
        false, cleanupSettleMs, 10_000, 600_000, false, 0,
        security.node().apply(id));
    configs.add(c);
    nodes.add(ServerNode.start(c, reason -> {
      throw new AssertionError("rejected: " + reason);
    }));
    return i;
  }

  boolean ringComplete() {
    for (ServerNode n : nodes) {
      if (n == null || n.membership().ring().nodeCount() != nodes.size()) {
        return false;
      }
    }
    return true;
  }

  RingkvClient client(int i) {
    RingkvClient c = RingkvClient.connect(security.client().apply(ClientConfig.of(ClientAddress.of(configs.get(i).endpoint()))));
    clients.add(c);
    return c;
  }

  void stop(int i) {
    nodes.get(i).close();
    nodes.set(i, null);
  }

  void restart(int i) throws Exception {
    nodes.set(i, ServerNode.start(configs.get(i), reason -> {
      throw new AssertionError("rejected: " + reason);
    }));
  }

  /** The base URI of node i's HTTP API, e.g. http://127.0.0.1:40123 (the cluster was made with http). */
  java.net.URI httpUri(int i) {
    return java.net.URI.create("http://127.0.0.1:" + configs.get(i).httpPort());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls {@code condition} until it holds; a bounded wait for a state, not a measurement. */
  static void awaitCondition(BooleanSupplier condition, long maxMs, String what) throws InterruptedException {
    long end = System.nanoTime() + maxMs * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(what + " within " + maxMs + " ms");
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    for (RingkvClient c : clients) {
      c.close();
    }
    for (ServerNode n : nodes) {
      if (n != null) {
        n.close();
      }
    }
  }
}
