package io.ringkv.node;

import com.codahale.metrics.MetricRegistry;
import io.ringkv.antientropy.AntiEntropy;
import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.coordinator.KryoContextCodec;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.Gossiper;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.handoff.HandoffConfig;
import io.ringkv.handoff.HintStore;
import io.ringkv.handoff.HintedHandoff;
import io.ringkv.internode.AntiEntropyMessages;
import io.ringkv.internode.GossipMessages;
import io.ringkv.internode.ReplicaMessages.RemovalStreamRequest;
import io.ringkv.internode.ReplicaMessages.StreamRequest;
import io.ringkv.membership.Membership;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transport.MessageRoutes;
import io.ringkv.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's parts wired together, once: membership (gossip and failure detection), anti-entropy and
 * tombstone GC, the request path ({@link RingNode}), hinted handoff, and the range movements (bootstrap,
 * LEAVE, REMOVE, cleanup), with the one table from message type to the subsystem that handles it
 * ({@link MessageRoutes}). What the node runs on comes in as a {@link Runtime}: {@link ServerNode} gives
 * it threads, Netty, Chronicle files and the wall clock; the simulator gives it its scheduler, its
 * network, in-memory stores and simulated time. So a simulated node is the same node, every subsystem
 * included, and a wiring change is made in one place (STYLE.md 9).
 *
 * <p>What is not here is what only a process has: the data directory's identity and markers, the
 * listening socket, TLS and users, HTTP, JMX, and the threads that stop a process. The node reaches its
 * process through {@link Edges}.
 */
public final class NodeAssembly {
  private static final Logger log = LoggerFactory.getLogger(NodeAssembly.class);

  /**
   * What a node runs on.
   *
   * @param clock the node's wall clock (simulated time under the simulator)
   * @param core the core scheduler: coordinators, membership and every subsystem's state live on it
   * @param storageExecutor the bounded executor of storage work (replica requests, transfer loads, hints)
   * @param antiEntropyExecutor anti-entropy's storage work (tree scans, exchanges' reads)
   * @param transport the node-to-node network
   * @param random the seed of gossip's peer choices
   * @param storage the raw object store (anti-entropy decorates it)
   * @param hints the hint store of hinted handoff
   * @param dataDir where anti-entropy keeps its purge log, or null: in memory
   * @param metrics the node's registry
   */
  public record Runtime(Clock clock, Scheduler core, Executor storageExecutor, Executor antiEntropyExecutor,
      Transport transport, Random random, StorageEngine storage, HintStore hints,
      Path dataDir, MetricRegistry metrics) {
    public Runtime {
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(core, "core");
      Objects.requireNonNull(storageExecutor, "storageExecutor");
      Objects.requireNonNull(antiEntropyExecutor, "antiEntropyExecutor");
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(random, "random");
      Objects.requireNonNull(storage, "storage");
      Objects.requireNonNull(hints, "hints");
      Objects.requireNonNull(metrics, "metrics");
    }
  }

  /**
   * Who the node is and how it behaves.
   *
   * @param id the node id
   * @param endpoint where other nodes reach it
   * @param tokens its ring tokens
   * @param generation its generation (one more at every start)
   * @param initialStatus UP, or JOINING for a node that bootstraps
   * @param seeds the nodes it first gossips with (empty: the first node of a cluster)
   * @param cluster the cluster's name, N and key format (a node with others is refused)
   * @param gossip gossip's settings
   * @param settings the request path's settings
   * @param antiEntropy anti-entropy's settings, or null for a node without it (simulation scenarios that
   *     want to see what the other mechanisms do alone; a real node always runs it)
   * @param handoff hinted handoff's settings
   * @param cleanupSettleMs how long the ring must be still before a cleanup pass; negative: no cleanup
   *     (as {@code antiEntropy}, for simulation scenarios only)
   * @param bootstrap whether the node, JOINING, asks the owners to stream its ranges and then goes UP
   */
  public record Config(String id, Endpoint endpoint, List<Long> tokens, long generation, MemberStatus initialStatus,
      List<Endpoint> seeds, ClusterMetadata cluster, GossipConfig gossip, RequestSettings settings,
      AntiEntropyConfig antiEntropy, HandoffConfig handoff, long cleanupSettleMs, boolean bootstrap) {
    public Config {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(endpoint, "endpoint");
      tokens = List.copyOf(tokens);
      seeds = List.copyOf(seeds);
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(gossip, "gossip");
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(handoff, "handoff");
      if (bootstrap && initialStatus != MemberStatus.JOINING) {
        throw new IllegalArgumentException("bootstrap: a bootstrapping node starts JOINING, not " + initialStatus);
      }
    }
  }

  /** What the node tells its process. Called on the core thread: must not block. */
  public interface Edges {
    Edges NONE = new Edges() {};

    /** The cluster refused this node (another cluster name, N or key format): {@code reason} says why. */
    default void rejected(String reason) {}

    /** The node left the ring (LEAVE), or a client asked it to STOP: the process should close it and exit. */
    default void exit() {}

    /** The bootstrap is over and the node is UP ({@code failed}: it went UP without its streams). */
    default void bootstrapped(boolean failed) {}
  }

  private final Config config;
  private final Runtime rt;
  private final Membership membership;
  private final AntiEntropy antiEntropy;
  private final StorageEngine served;
  private final RingNode node;
  private final HintedHandoff handoff;
  private final Bootstrap bootstrap;
  private final Removal removal;
  private final Decommission decommission;
  private final Cleanup cleanup;
  private final Edges edges;
  private final MessageRoutes routes;
  private boolean leaving;
  private boolean stopping;

  /**
   * Builds the node; nothing runs until {@link #listen} and {@link #start}.
   *
   * @throws IOException when anti-entropy's purge log in {@code dataDir} cannot be opened
   */
  public NodeAssembly(Config config, Runtime rt, Edges edges) throws IOException {
    this.config = config;
    this.rt = rt;
    this.edges = Objects.requireNonNull(edges, "edges");
    String id = config.id();
    int n = config.settings().replicationFactor();
    Member local = Member.of(id, config.endpoint(), config.tokens(), config.initialStatus(), config.generation());
    Gossiper gossiper = new Gossiper(local, config.cluster(), config.seeds(), config.gossip(), rt.random());
    Transport transport = rt.transport();
    membership = new Membership(gossiper, rt.clock(), rt.core(),
        (to, payload) -> transport.send(to, GossipMessages.wrap(payload)));
    membership.onFatalRejection(edges::rejected);
    if (config.antiEntropy() != null) {
      antiEntropy = new AntiEntropy(id, n, config.antiEntropy(), rt.storage(), membership::ring, membership::isAlive,
          rt.clock(), rt.core(), rt.antiEntropyExecutor(), transport::send, rt.metrics(),
          rt.dataDir());
      membership.addRingListener(antiEntropy::onRingChanged);
      served = antiEntropy.storage(); // every mutation goes through the trees and the resurrection guard
    } else {
      antiEntropy = null;
      served = rt.storage();
    }
    node = new RingNode(id, config.endpoint(), config.settings(), served, transport, membership, rt.clock(), rt.core(),
        rt.storageExecutor(), new KryoContextCodec(), new NodeMetrics(rt.metrics()));
    node.setClusterName(config.cluster().clusterName());
    handoff = new HintedHandoff(id, rt.hints(), served, rt.clock(), rt.core(), node, rt.storageExecutor(), config.handoff(),
        membership::endpointIfAlive, (nodeId, key) -> membership.keeps(nodeId, key, n), rt.metrics());
    node.addReplicaListener(handoff::onStored);
    handoff.retireHintsFor(membership::isGone);
    handoff.publishActivity(line -> membership.setLocalActivity(HintedHandoff.class, line));
    long gossipMs = config.gossip().gossipIntervalMs();
    bootstrap = new Bootstrap(id, n, node, membership, served, rt.storageExecutor());
    removal = new Removal(id, n, node, membership, served, rt.storageExecutor(), gossipMs);
    decommission = new Decommission(id, n, node, membership, served, rt.storageExecutor(), gossipMs);
    if (config.cleanupSettleMs() >= 0) {
      cleanup = new Cleanup(id, n, node, membership, served, rt.storageExecutor(), config.cleanupSettleMs(),
          rt.metrics());
      membership.addRingListener(cleanup::onRingChanged);
    } else {
      cleanup = null;
    }
    node.setAdmin(admin());

    // the one table from message type to subsystem; the request path's own types are in it already
    routes = node.routes();
    for (Class<? extends GossipMessages.GossipMessage> t : List.of(GossipMessages.GossipSyn.class,
        GossipMessages.GossipAck.class, GossipMessages.GossipAck2.class, GossipMessages.GossipReject.class)) {
      routes.on(t, (from, g) -> membership.onGossip(from, g.payload()));
    }
    if (antiEntropy != null) {
      routes.on(AntiEntropyMessages.TYPES, antiEntropy::onMessage);
    }
    routes.on(StreamRequest.class, bootstrap::serve);
    routes.on(RemovalStreamRequest.class, removal::serve);
  }

  private RingNode.Admin admin() {
    return new RingNode.Admin() {
      @Override
      public CompletableFuture<String> removeNode(String id) {
        return removal.start(id);
      }

      @Override
      public CompletableFuture<String> leave() {
        if (leaving) {
          return CompletableFuture.failedFuture(new IllegalStateException("this node is already leaving"));
        }
        leaving = true;
        CompletableFuture<String> done = decommission.start();
        done.whenComplete((line, error) -> {
          if (error != null) {
            leaving = false;
          } else {
            edges.exit();
          }
        });
        return done;
      }

      @Override
      public CompletableFuture<String> stop() {
        if (leaving || stopping) {
          return CompletableFuture.failedFuture(
              new IllegalStateException(config.id() + " is already stopping or leaving"));
        }
        stopping = true;
        log.info("node {} asked to stop by a client (STOP): stopping cleanly", config.id());
        // the answer goes out first; the process's owner closes the node (flushing the stores) and exits
        edges.exit();
        return CompletableFuture.completedFuture(config.id() + " is stopping: it flushes"
            + " its stores and exits; start it again with the same --data-dir to bring it back");
      }

      @Override
      public long cleanupStartsInMs() {
        return cleanup == null ? io.ringkv.protocol.ClientMessages.VerifyReply.NO_CLEANUP_DUE : cleanup.startsInMs();
      }
    };
  }

  /** Starts taking node messages from the transport (before a listening socket accepts peers). */
  public void listen() {
    rt.transport().start(node);
  }

  /** Starts every subsystem: gossip, hint delivery, the bootstrap (if asked), anti-entropy, cleanup. */
  public void start() {
    membership.start();
    handoff.start();
    if (config.bootstrap()) {
      bootstrap.join().whenComplete((ok, error) -> {
        if (error != null) {
          log.error("bootstrap failed; going UP (anti-entropy fills the ranges)", error);
          membership.setLocalStatus(MemberStatus.UP);
        }
        edges.bootstrapped(error != null);
      });
    }
    if (antiEntropy != null) {
      antiEntropy.start();
    }
    if (cleanup != null) {
      cleanup.start();
    }
  }

  /** Stops the subsystems' rounds and timers; the runtime's owner then closes the transport and the stores. */
  public void stop() {
    membership.stop();
    handoff.stop();
    if (cleanup != null) {
      cleanup.close();
    }
    if (antiEntropy != null) {
      antiEntropy.close();
    }
  }

  public RingNode node() {
    return node;
  }

  public Membership membership() {
    return membership;
  }

  /** Anti-entropy, or null for a node assembled without it. */
  public AntiEntropy antiEntropy() {
    return antiEntropy;
  }

  public HintedHandoff handoff() {
    return handoff;
  }

  /** The store the request path runs on: the raw one behind anti-entropy's decorator. */
  public StorageEngine storage() {
    return served;
  }

  /** The message table. */
  public MessageRoutes routes() {
    return routes;
  }
}
