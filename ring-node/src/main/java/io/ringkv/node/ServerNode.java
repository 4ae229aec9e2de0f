package io.ringkv.node;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import io.ringkv.antientropy.AntiEntropy;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.handoff.ChronicleHintStore;
import io.ringkv.handoff.HandoffConfig;
import io.ringkv.handoff.HintStore;
import io.ringkv.handoff.HintedHandoff;
import io.ringkv.http.HttpApi;
import io.ringkv.http.HttpConfig;
import io.ringkv.http.HttpListener;
import io.ringkv.http.MetricsExposition;
import io.ringkv.membership.Membership;
import io.ringkv.runtime.Clock;
import io.ringkv.security.Authenticator;
import io.ringkv.security.ClusterSecret;
import io.ringkv.security.NodeSecurity;
import io.ringkv.security.SecurityConfig;
import io.ringkv.transport.tls.Tls;
import io.ringkv.runtime.ThreadScheduler;
import io.ringkv.ring.TokenAllocator;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.chronicle.ChronicleStorageConfig;
import io.ringkv.storage.chronicle.ChronicleStorageEngine;
import io.ringkv.transport.TransportConfig;
import io.ringkv.transport.netty.NettyNetwork;
import io.ringkv.transport.netty.NettyServer;
import io.ringkv.transport.netty.NettyTransport;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: storage, network, membership and the request path wired together, with real
 * threads and the wall clock. {@link NodeMain} runs one per process; tests may run several in one
 * JVM on loopback.
 */
public final class ServerNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerNode.class);

  /** The node could not start; the message says why and what to change. */
  public static final class StartupException extends Exception {
    StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final NodeConfig config;
  private final NodeIdentity identity;
  /** System property that turns {@link RequestSettings#localReplicaOnCore()} off (bench/results/perf-2026-12-03.md). */
  static final String LOCAL_REPLICA_ON_CORE_PROPERTY = "ringkv.localReplicaOnCore";
  private final StorageEngine storage;
  private final NettyNetwork network;
  private final NettyServer server;
  private final NettyTransport transport;
  private final ThreadScheduler core;
  private final ThreadPoolExecutor storageExecutor;
  private final ThreadPoolExecutor antiEntropyExecutor;
  private final NodeAssembly assembly;
  private final MetricRegistry metrics;
  private final JmxReporter jmx;
  private final HttpListener http;
  private NodeSecurity security = NodeSecurity.NONE;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** In the data dir while a bootstrap is unfinished: a node that crashed while JOINING joins again. */
  static final String BOOTSTRAP_MARKER = "bootstrap.pending";

  private ServerNode(NodeConfig config, NodeIdentity identity, StorageEngine storage, NettyNetwork network,
      NettyServer server, NettyTransport transport, ThreadScheduler core, ThreadPoolExecutor storageExecutor,
      ThreadPoolExecutor antiEntropyExecutor, NodeAssembly assembly, MetricRegistry metrics, JmxReporter jmx,
      HttpListener http) {
    this.config = config;
    this.identity = identity;
    this.storage = storage;
    this.network = network;
    this.server = server;
    this.transport = transport;
    this.core = core;
    this.storageExecutor = storageExecutor;
    this.antiEntropyExecutor = antiEntropyExecutor;
    this.assembly = assembly;
    this.metrics = metrics;
    this.jmx = jmx;
    this.http = http;
  }

  /**
   * Starts a node. {@code onRejected} is called with the cluster's one-line reason if the cluster
   * refuses this node (another cluster name or replication factor).
   */
  public static ServerNode start(NodeConfig config, Consumer<String> onRejected) throws StartupException {
    return start(config, onRejected, () -> {});
  }

  /**
   * As {@link #start(NodeConfig, Consumer)}; {@code onLeft} runs once the node has left the ring by
   * decommission, or was asked to STOP by a client (the process should then stop: close the node, exit 0).
   */
  public static ServerNode start(NodeConfig config, Consumer<String> onRejected, Runnable onLeft)
      throws StartupException {
    System.setProperty("chronicle.analytics.disable", "true");
    boolean freshIdentity = !java.nio.file.Files.exists(config.dataDir().resolve(NodeIdentity.FILE));
    ChronicleStorageConfig storeConfig;
    try {
      storeConfig = new ChronicleStorageConfig(config.dataDir(), config.storageEntries(),
          config.storageAverageKeyBytes(), config.storageAverageValueBytes(),
          ChronicleStorageConfig.DEFAULT_MAX_BLOAT_FACTOR);
    } catch (IllegalArgumentException e) {
      throw new StartupException("cannot open the object store in " + config.dataDir() + ": " + e.getMessage(), e);
    }
    boolean storeExisted = java.nio.file.Files.exists(storeConfig.objectsFile());
    NodeIdentity identity = identity(config);
    if (!freshIdentity && !storeExisted) {
      log.warn("{} has an identity but no object store in {} (deleted or lost): it serves its ranges empty"
          + " until anti-entropy has refilled them from the other replicas (quorum reads still see every"
          + " acknowledged write; R=1 reads from this node may not)", identity.id(), config.dataDir());
    }
    config = config.withId(identity.id());
    StorageEngine storage;
    try {
      storage = ChronicleStorageEngine.open(storeConfig, StorageLimits.DEFAULTS);
    } catch (RuntimeException e) {
      throw new StartupException("cannot open the object store in " + config.dataDir() + ": " + e.getMessage(), e);
    }
    if (config.unsafeLastWriteWins()) {
      log.warn("--unsafe-last-write-wins: this node LOSES concurrent writes on purpose (harness testing only)");
      storage = new LastWriteWinsStorage(storage);
    }
    MetricRegistry metrics = new MetricRegistry();
    NodeSecurity security;
    try {
      security = security(config, metrics);
    } catch (StartupException e) {
      storage.close();
      throw e;
    }
    NettyNetwork network = new NettyNetwork("ringkv-" + identity.id());
    ThreadScheduler core = new ThreadScheduler("ringkv-core-" + identity.id());
    AtomicInteger storageThreadIds = new AtomicInteger();
    ThreadPoolExecutor storageExecutor = new ThreadPoolExecutor(config.storageThreads(), config.storageThreads(),
        60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.storageQueueMax()), r -> {
          Thread t = new Thread(r, "ringkv-storage-" + storageThreadIds.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    RingNode[] nodeRef = new RingNode[1];
    // bound only at the end, once every part is wired: a client that connects is served at once
    NettyServer server = new NettyServer(network, TransportConfig.DEFAULTS, identity.id(), config.clusterName(),
        config.bindHost(), config.port(), (request, reply) -> nodeRef[0].onRequest(request, reply), security);
    metrics.gauge("ringkv.auth.refused", () -> server::refusedUnauthenticated);
    metrics.gauge("ringkv.auth.denied", () -> server::refusedPermission);
    Endpoint self = config.endpoint();
    NettyTransport transport = new NettyTransport(network, server, TransportConfig.DEFAULTS, identity.id(),
        config.clusterName(), self, security);
    Clock clock = Clock.system(config.clockOffsetMs());
    if (config.clockOffsetMs() != 0) {
      log.warn("clock offset {} ms: this node's clock is skewed on purpose (--clock-offset-ms, a test flag)",
          config.clockOffsetMs());
    }
    ClusterMetadata metadata = new ClusterMetadata(config.clusterName(), config.replicationFactor(),
        config.keyFormat().wireName());
    GossipConfig gossipConfig = GossipConfig.defaults().withGossipIntervalMs(config.gossipIntervalMs());
    // a brand-new node joining a cluster bootstraps: JOINING until the owners streamed it its ranges
    // (or one whose bootstrap was cut short by a crash: the marker outlives the process until it is UP)
    java.nio.file.Path bootstrapMarker = config.dataDir().resolve(BOOTSTRAP_MARKER);
    boolean bootstrapping = (freshIdentity && !config.join().isEmpty())
        || java.nio.file.Files.exists(bootstrapMarker);
    if (bootstrapping) {
      try {
        if (java.nio.file.Files.exists(bootstrapMarker)) {
          log.warn("the last bootstrap of {} did not finish ({} exists): joining again as JOINING",
              identity.id(), bootstrapMarker);
        } else {
          java.nio.file.Files.write(bootstrapMarker, new byte[0]);
        }
      } catch (IOException e) {
        throw new StartupException("cannot write " + bootstrapMarker + ": " + e.getMessage(), e);
      }
    }
    RequestSettings settings = new RequestSettings(config.replicationFactor(), config.effectiveR(),
        config.effectiveW(), config.requestTimeoutMs(), Math.max(50, config.requestTimeoutMs() / 4), 4L << 20,
        10_000, config.keyFormat(), config.sloppyQuorum(),
        // an experiment switch, not a tunable: -Dringkv.localReplicaOnCore=false puts the coordinator's own
        // replica read and mint back on the storage threads, to measure the difference on a real cluster
        !"false".equals(System.getProperty(LOCAL_REPLICA_ON_CORE_PROPERTY)));
    NodeAssembly.Config assemblyConfig = new NodeAssembly.Config(identity.id(), self, identity.tokens(),
        identity.generation(), bootstrapping ? MemberStatus.JOINING : MemberStatus.UP, config.join(), metadata,
        gossipConfig, settings, config.antiEntropy(),
        HandoffConfig.DEFAULTS.withDeliveryIntervalMs(config.gossipIntervalMs()), config.cleanupSettleMs(),
        bootstrapping);
    ThreadPoolExecutor antiEntropyExecutor = AntiEntropy.workThread(identity.id(), config.antiEntropy());
    HintStore hints;
    try {
      hints = ChronicleHintStore.open(config.dataDir(), HandoffConfig.DEFAULTS.hintsMax(),
          config.storageAverageKeyBytes());
    } catch (IOException | RuntimeException e) {
      network.close();
      core.close();
      storageExecutor.shutdownNow();
      antiEntropyExecutor.shutdownNow();
      storage.close();
      throw new StartupException("cannot open the hint store in " + config.dataDir() + ": " + e.getMessage(), e);
    }
    NodeAssembly.Runtime runtime = new NodeAssembly.Runtime(clock, core, storageExecutor, antiEntropyExecutor,
        transport, new Random(new SecureRandom().nextLong()), storage, hints,
        config.dataDir(), metrics);
    NodeAssembly.Edges edges = new NodeAssembly.Edges() {
      @Override
      public void rejected(String reason) {
        onRejected.accept(reason);
      }

      @Override
      public void exit() {
        // the process edge: stopping the node must not run on the core thread it stops
        Thread t = new Thread(onLeft, "ringkv-exit");
        t.setDaemon(true);
        t.start();
      }

      @Override
      public void bootstrapped(boolean failed) {
        // the marker's removal is file I/O: off the core thread
        storageExecutor.execute(() -> {
          try {
            java.nio.file.Files.deleteIfExists(bootstrapMarker);
          } catch (IOException e) {
            log.warn("cannot delete {}: the next start bootstraps again ({})", bootstrapMarker, e.getMessage());
          }
        });
      }
    };
    NodeAssembly assembly;
    try {
      assembly = new NodeAssembly(assemblyConfig, runtime, edges);
    } catch (IOException | RuntimeException e) {
      network.close();
      core.close();
      storageExecutor.shutdownNow();
      antiEntropyExecutor.shutdownNow();
      hints.close();
      storage.close();
      throw new StartupException("cannot open the purge log in " + config.dataDir() + ": " + e.getMessage(), e);
    }
    storage = assembly.storage();
    RingNode node = assembly.node();
    Membership membership = assembly.membership();
    nodeRef[0] = node;
    assembly.listen();
    JmxReporter jmx = JmxReporter.forRegistry(metrics).inDomain("io.ringkv." + identity.id()).build();
    jmx.start();
    try {
      server.start();
    } catch (RuntimeException e) {
      assembly.stop();
      hints.close();
      antiEntropyExecutor.shutdownNow();
      network.close();
      core.close();
      storageExecutor.shutdownNow();
      storage.close();
      jmx.stop();
      throw new StartupException("cannot listen on " + config.bindHost() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    HttpListener http = null;
    if (config.httpPort() > 0) {
      // the HTTP API enters the node where native client frames do (RingNode.onRequest), on the same loops
      // with --tls client|all the listener is HTTPS (same certificate), with --auth on it takes Basic auth
      boolean https = security.tlsMode().coversClients();
      HttpApi api = new HttpApi(node, new MetricsExposition(metrics), security.authenticator(),
          https || security.allowPlaintextAuth());
      try {
        http = new HttpListener(network, HttpConfig.DEFAULTS.withMaxContentBytes(storage.limits().valueBytesMax()),
            config.bindHost(), config.httpPort(), api, https ? security.tls()::httpContext : null).start();
      } catch (IllegalStateException e) {
        // as the metrics endpoint before it: the node serves its native protocol without HTTP, loudly
        log.warn("HTTP API not started on port {}: {}", config.httpPort(), e.getMessage());
      }
    }
    if (security.tls() != null) {
      scheduleTlsReload(core, storageExecutor, security.tls());
    }
    assembly.start();
    log.info("node {} serving at {} (cluster '{}', N={}, R={}, W={}, keys {}, generation {}, {} tokens, data in {})",
        identity.id(), self, config.clusterName(), config.replicationFactor(), config.effectiveR(),
        config.effectiveW(), config.keyFormat().wireName(), identity.generation(), identity.tokens().size(),
        config.dataDir());
    ServerNode started = new ServerNode(config, identity, storage, network, server, transport, core, storageExecutor,
        antiEntropyExecutor, assembly, metrics, jmx, http);
    started.security = security;
    return started;
  }

  /** How often the TLS files are checked for a change (default 10 s: a rotated certificate is used within it). */
  static final long TLS_RELOAD_CHECK_MS = 10_000;

  /** Checks the TLS files every {@link #TLS_RELOAD_CHECK_MS} on a storage thread (file reads stay off the core). */
  private static void scheduleTlsReload(ThreadScheduler core, ThreadPoolExecutor storageExecutor, Tls tls) {
    core.schedule(TLS_RELOAD_CHECK_MS, () -> {
      try {
        storageExecutor.execute(tls::reloadIfChanged);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // shutting down, or a full queue: try again next time
      } finally {
        if (!storageExecutor.isShutdown()) {
          scheduleTlsReload(core, storageExecutor, tls);
        }
      }
    });
  }

  /** TLS contexts, the users file and the cluster secret, each checked now so a bad file fails the start. */
  private static NodeSecurity security(NodeConfig config, MetricRegistry metrics) throws StartupException {
    SecurityConfig sc = config.security();
    Tls tls = null;
    if (sc.tls().enabled()) {
      try {
        tls = Tls.load(sc.tls());
      } catch (IllegalArgumentException e) {
        throw new StartupException(e.getMessage(), e);
      }
    }
    Authenticator auth = null;
    if (sc.auth()) {
      try {
        auth = new Authenticator(sc.usersFile(), Clock.system(), metrics);
      } catch (IOException e) {
        throw new StartupException(e.getMessage(), e);
      }
    }
    ClusterSecret secret = null;
    if (sc.clusterSecretFile() != null) {
      if (sc.tls().mode().coversInternode()) {
        log.info("--cluster-secret-file is not used: nodes authenticate each other by mutual TLS (--tls {})",
            sc.tls().mode().flag());
      } else {
        try {
          secret = ClusterSecret.load(sc.clusterSecretFile());
        } catch (IOException e) {
          throw new StartupException("cannot read the cluster secret: " + e.getMessage(), e);
        }
      }
    }
    if (!sc.auth() && !sc.tls().enabled() && !isLoopback(config.bindHost())) {
      log.warn("node listens on {} with --auth off and --tls off: anyone who reaches the port can read, write and"
          + " remove nodes (docs/security.md)", config.bindHost());
    }
    log.info("security: tls {}{}{}, auth {}, internode proof {}", sc.tls().mode().flag(),
        sc.tls().requireClientCert() ? " (client certificates required)" : "",
        tls == null ? "" : ", TLS provider " + sc.tls().provider().describe("--tls-provider"), sc.auth() ? "on" : "off",
        sc.tls().mode().coversInternode() ? "mutual TLS" : secret != null ? "cluster secret" : "none");
    return new NodeSecurity(tls, auth, secret, sc.allowPlaintextAuth());
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Loads the identity from the data directory, or makes one; bumps and stores the generation. */
  private static NodeIdentity identity(NodeConfig config) throws StartupException {
    try {
      NodeIdentity stored = NodeIdentity.load(config.dataDir());
      NodeIdentity id;
      if (stored == null) {
        String nodeId = config.id() != null ? config.id() : (config.host() + "_" + config.port()).replace(':', '_');
        List<Long> tokens = TokenAllocator.allocate(config.vnodes(), new HashSet<>(), new SecureRandom());
        id = new NodeIdentity(nodeId, config.clusterName(), config.replicationFactor(), 0, tokens);
      } else {
        if (config.id() != null && !config.id().equals(stored.id())) {
          throw new StartupException("data directory " + config.dataDir() + " belongs to node '" + stored.id()
              + "', not '" + config.id() + "'; use another --data-dir or --id " + stored.id(), null);
        }
        if (!stored.clusterName().equals(config.clusterName())) {
          throw new StartupException("data directory " + config.dataDir() + " belongs to cluster '"
              + stored.clusterName() + "', not '" + config.clusterName() + "'", null);
        }
        if (stored.replicationFactor() != config.replicationFactor()) {
          throw new StartupException("data directory " + config.dataDir() + " was created with replication factor "
              + stored.replicationFactor() + ", not " + config.replicationFactor(), null);
        }
        id = stored;
      }
      NodeIdentity next = id.nextGeneration(Clock.system(config.clockOffsetMs()).nowMs() / 1000);
      next.store(config.dataDir());
      return next;
    } catch (IOException e) {
      throw new StartupException("cannot read or write the node identity in " + config.dataDir() + ": "
          + e.getMessage(), e);
    }
  }

  public RingNode node() {
    return assembly.node();
  }

  public Membership membership() {
    return assembly.membership();
  }

  public Endpoint endpoint() {
    return config.endpoint();
  }

  public String id() {
    return identity.id();
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  /** The HTTP port actually bound, or -1 when HTTP is disabled or could not bind. */
  public int httpPort() {
    return http == null ? -1 : http.boundPort();
  }

  public StorageEngine storage() {
    return storage;
  }

  /** The node's listening socket (its refusal counters). */
  public NettyServer server() {
    return server;
  }

  /** Checks client logins; null with --auth off. */
  public Authenticator authenticator() {
    return security.authenticator();
  }

  public NettyTransport transport() {
    return transport;
  }

  public HintedHandoff handoff() {
    return assembly.handoff();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    log.info("node {} stopping", identity.id());
    assembly.stop();
    antiEntropyExecutor.shutdownNow();
    try {
      antiEntropyExecutor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (http != null) {
      http.close();
    }
    jmx.stop();
    transport.close();
    server.close();
    network.close();
    core.close();
    storageExecutor.shutdown();
    try {
      storageExecutor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assembly.handoff().close(); // and its hint store
    storage.close();
    if (security.authenticator() != null) {
      security.authenticator().close();
    }
    log.info("node {} stopped", identity.id());
  }
}
