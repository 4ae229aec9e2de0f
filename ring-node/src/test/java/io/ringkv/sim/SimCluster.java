package io.ringkv.sim;

import com.codahale.metrics.MetricRegistry;
import io.ringkv.coordinator.KryoContextCodec;
import io.ringkv.ring.Replica;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.antientropy.AntiEntropy;
import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.handoff.HandoffConfig;
import io.ringkv.handoff.HintedHandoff;
import io.ringkv.handoff.InMemoryHintStore;
import io.ringkv.membership.Membership;
import io.ringkv.ring.TokenAllocator;
import java.util.Random;
import io.ringkv.ring.ClusterView;
import io.ringkv.node.NodeAssembly;
import io.ringkv.node.NodeMetrics;
import io.ringkv.node.RequestSettings;
import io.ringkv.node.RingNode;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A whole ringkv cluster inside one JVM and one thread: real {@link RingNode}s over a
 * {@link SimNetwork}, in-memory storage that survives a simulated kill (as the Chronicle files do),
 * and a fake clock. Membership is the real one (gossip rounds, phi accrual detection) running over the
 * simulated network; a fixed ring with a reachability oracle is available for scenarios that want to
 * take the failure detector out of the picture.
 */
public final class SimCluster {
  public final Simulator sim;
  public final SimNetwork network;
  public final RequestSettings settings;
  private final long seed;
  public final List<SimNode> nodes = new ArrayList<>();
  final boolean gossip;
  /** Anti-entropy settings, or null for a cluster without anti-entropy. */
  final AntiEntropyConfig antiEntropy;
  final int vnodes;
  /** Parent of the nodes' data directories, or null. */
  final Path dataRoot;
  /** Each node's wall-clock offset from the simulated time, by index (missing: 0). */
  final long[] clockOffsetsMs;
  /**
   * How long the ring must be still before a node's cleanup pass (a real node's default, 10 s); negative:
   * nodes run no cleanup. Set before adding nodes; a restart uses the value of the moment.
   */
  public long cleanupSettleMs = CLEANUP_SETTLE_MS;
  /** A real node's {@code --cleanup-settle-ms} default. */
  public static final long CLEANUP_SETTLE_MS = 10_000;

  public final class SimNode {
    public final int index;
    public final String id;
    public final Endpoint endpoint;
    public final Simulator.Process process;
    /** The raw store, below any decorator: what survives a simulated kill, as the files do. */
    public final StorageEngine storage = InMemoryStorageEngine.withDefaults();
    final SimTransport transport;
    final List<Long> tokens;
    public final MetricRegistry metrics = new MetricRegistry();
    public RingNode node;
    public AntiEntropy ae;
    /** The node's data directory for the files anti-entropy keeps (its purge log), or null: in memory. */
    public final Path dataDir;
    /** This node's wall clock: the simulated time plus its skew (a real node's clock is its own). */
    public final io.ringkv.runtime.Clock clock;

    SimNode(int index) {
      this(index, MemberStatus.UP);
    }

    SimNode(int index, MemberStatus initialStatus) {
      this(index, initialStatus, false);
    }

    SimNode(int index, MemberStatus initialStatus, boolean bootstrap) {
      this.initialStatus = initialStatus;
      this.bootstrap = bootstrap;
      this.index = index;
      this.id = "n" + (index + 1);
      this.dataDir = dataRoot == null ? null : dataRoot.resolve(id);
      long offset = clockOffsetsMs != null && index < clockOffsetsMs.length ? clockOffsetsMs[index] : 0;
      this.clock = offset == 0 ? sim : () -> sim.nowMs() + offset;
      this.tokens = TokenAllocator.allocate(vnodes, new java.util.HashSet<>(), sim.random());
      this.endpoint = new Endpoint("10.0.0." + (index + 1), 7000);
      this.process = sim.process(id);
      this.transport = network.transport(endpoint, process);
      boot();
    }

    public Membership membership;
    final MemberStatus initialStatus;
    /** Whether this node, JOINING at its first start, bootstraps (asks the owners to stream it its ranges). */
    final boolean bootstrap;
    HintedHandoff handoff;
    final InMemoryHintStore hints = new InMemoryHintStore(hintsMax);
    long generation;
    /**
     * ServerNode's bootstrap marker: set when a bootstrap starts, cleared when it is over; a node
     * restarted with it set comes back JOINING and bootstraps again, as a real one does after a crash.
     */
    boolean bootstrapPending;

    /** The node as {@link NodeAssembly} built it (gossip clusters), or null (the fixed ring's bare request path). */
    public NodeAssembly assembly;
    /** Set when the node asked its process to exit (LEAVE done, STOP): the simulation then kills it. */
    public boolean exited;
    /** The cluster's reason, when it refused this node. */
    public String rejected;

    void boot() {
      generation++;
      metrics.removeMatching((name, metric) -> true); // a restart starts its metrics afresh
      // half the nodes (which half depends on the seed) serve their own replica reads and mints on the
      // core thread, the others through the storage executor, so every seed drives both paths
      RequestSettings own = settings.localReplicaOnCore() ? settings.withLocalReplicaOnCore(Math.floorMod(seed + index, 2) == 0)
          : settings;
      if (!gossip) {
        // no membership: the request path alone against an oracle of who is reachable
        membership = null;
        ae = null;
        node = new RingNode(id, endpoint, own, storage, transport, new View(this), clock, process.scheduler(),
            process.executor(), new KryoContextCodec(), new NodeMetrics(metrics));
        transport.start(node);
        return;
      }
      if (dataDir != null) {
        try {
          java.nio.file.Files.createDirectories(dataDir);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      boolean bootstrapNow = generation == 1 ? bootstrap : bootstrapPending;
      bootstrapPending |= bootstrapNow;
      MemberStatus status = generation == 1 ? initialStatus : bootstrapNow ? MemberStatus.JOINING : MemberStatus.UP;
      List<Endpoint> seeds = index == 0 ? List.of() : List.of(nodes.get(0).endpoint);
      NodeAssembly.Config config = new NodeAssembly.Config(id, endpoint, tokens, generation, status, seeds,
          new ClusterMetadata("sim", settings.replicationFactor(), "any"), GossipConfig.defaults(), own, antiEntropy,
          HandoffConfig.DEFAULTS, cleanupSettleMs, bootstrapNow);
      NodeAssembly.Runtime runtime = new NodeAssembly.Runtime(clock, process.scheduler(), process.executor(),
          process.executor(), transport, new Random(sim.random().nextLong()),
          storage, hints, dataDir, metrics);
      Simulator.Process p = process;
      NodeAssembly.Edges edges = new NodeAssembly.Edges() {
        @Override
        public void exit() {
          exited = true;
          sim.after(0, p::kill); // after this event: its answer goes out first, as a real node's does
        }

        @Override
        public void rejected(String reason) {
          rejected = reason;
        }

        @Override
        public void bootstrapped(boolean failed) {
          bootstrapPending = false;
        }
      };
      try {
        // the killed incarnation's purge log channel is dropped unclosed: its process runs no more tasks
        assembly = new NodeAssembly(config, runtime, edges);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      membership = assembly.membership();
      ae = assembly.antiEntropy();
      handoff = assembly.handoff();
      node = assembly.node();
      assembly.listen();
      assembly.start();
    }
  }

  /** A fixed ring: nodes ordered by a hash of their id; a key's primaries are the next N clockwise. */
  final class View implements ClusterView {
    private final SimNode local;

    View(SimNode local) {
      this.local = local;
    }

    private List<SimNode> ringFrom(byte[] key) {
      List<SimNode> ring = new ArrayList<>(nodes);
      ring.sort(Comparator.comparingInt(n -> mix(n.id.hashCode())));
      int h = mix(java.util.Arrays.hashCode(key));
      int start = 0;
      while (start < ring.size() && mix(ring.get(start).id.hashCode()) < h) {
        start++;
      }
      List<SimNode> ordered = new ArrayList<>();
      for (int i = 0; i < ring.size(); i++) {
        ordered.add(ring.get((start + i) % ring.size()));
      }
      return ordered;
    }

    private boolean reachable(SimNode other) {
      return other == local || (other.process.alive() && network.connected(local.endpoint, other.endpoint));
    }

    @Override
    public List<Replica> targets(byte[] key, int n) {
      List<SimNode> ring = ringFrom(key);
      List<Replica> out = new ArrayList<>();
      List<String> down = new ArrayList<>();
      for (int i = 0; i < Math.min(n, ring.size()); i++) {
        SimNode p = ring.get(i);
        if (reachable(p)) {
          out.add(Replica.primary(p.id, p.endpoint));
        } else {
          down.add(p.id);
        }
      }
      for (int i = n; i < ring.size() && !down.isEmpty(); i++) {
        SimNode f = ring.get(i);
        if (reachable(f)) {
          out.add(Replica.of(f.id, f.endpoint, down.remove(0)));
        }
      }
      return out;
    }

    @Override
    public List<Replica> primaries(byte[] key, int n) {
      List<Replica> out = new ArrayList<>();
      for (SimNode p : ringFrom(key).subList(0, Math.min(n, nodes.size()))) {
        out.add(Replica.primary(p.id, p.endpoint));
      }
      return out;
    }

    @Override
    public List<String> ownersOf(long token, int n) {
      throw new UnsupportedOperationException("the fixed simulation ring has no tokens; use gossip membership");
    }

    @Override
    public List<NodeInfo> nodes() {
      List<NodeInfo> out = new ArrayList<>();
      for (SimNode s : nodes) {
        out.add(new NodeInfo(s.id, s.endpoint.host(), s.endpoint.port(), reachable(s) ? "UP" : "DOWN", 1,
            1.0 / nodes.size(), ""));
      }
      return out;
    }

    @Override
    public int liveNodes() {
      int live = 0;
      for (SimNode s : nodes) {
        if (reachable(s)) {
          live++;
        }
      }
      return live;
    }
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  /**
   * @param gossip true: membership by real gossip and phi accrual detection over the simulated
   *     network; false: a fixed ring and an oracle that knows who is reachable
   */
  /** Each node's hint store bound. */
  private final long hintsMax;

  SimCluster(long seed, int size, RequestSettings settings, boolean gossip) {
    this(seed, size, settings, gossip, null, 64, null, HandoffConfig.DEFAULTS.hintsMax(), null);
  }

  /** A cluster with real gossip and anti-entropy, {@code vnodes} tokens per node. */
  public SimCluster(long seed, int size, RequestSettings settings, AntiEntropyConfig antiEntropy, int vnodes) {
    this(seed, size, settings, true, antiEntropy, vnodes, null, HandoffConfig.DEFAULTS.hintsMax(), null);
  }

  /**
   * As above, each node keeping its anti-entropy files (the purge log) in {@code dataRoot/<node id>},
   * which, like the store, survive a simulated kill and restart.
   */
  public SimCluster(long seed, int size, RequestSettings settings, AntiEntropyConfig antiEntropy, int vnodes,
      Path dataRoot) {
    this(seed, size, settings, true, antiEntropy, vnodes, dataRoot, HandoffConfig.DEFAULTS.hintsMax(), null);
  }

  /**
   * A cluster with real gossip and anti-entropy whose node {@code i} reads a wall clock
   * {@code clockOffsetsMs[i]} ms off the simulated time (clock skew between nodes).
   */
  public SimCluster(long seed, int size, RequestSettings settings, AntiEntropyConfig antiEntropy, int vnodes,
      long[] clockOffsetsMs) {
    this(seed, size, settings, true, antiEntropy, vnodes, null, HandoffConfig.DEFAULTS.hintsMax(), clockOffsetsMs);
  }

  /** A cluster whose stand-ins keep at most {@code hintsMax} hints each (the bound's test). */
  SimCluster(long seed, int size, RequestSettings settings, long hintsMax) {
    this(seed, size, settings, true, null, 64, null, hintsMax, null);
  }

  private SimCluster(long seed, int size, RequestSettings settings, boolean gossip, AntiEntropyConfig antiEntropy,
      int vnodes, Path dataRoot, long hintsMax, long[] clockOffsetsMs) {
    this.hintsMax = hintsMax;
    this.clockOffsetsMs = clockOffsetsMs == null ? null : clockOffsetsMs.clone();
    this.dataRoot = dataRoot;
    this.gossip = gossip;
    this.antiEntropy = antiEntropy;
    this.vnodes = vnodes;
    long used = SimSeed.use(seed); // -Dringkv.sim.seed replays a failure's seed
    this.seed = used;
    this.sim = new Simulator(used);
    this.network = new SimNetwork(sim);
    this.settings = settings;
    for (int i = 0; i < size; i++) {
      nodes.add(new SimNode(i));
    }
    if (gossip) {
      sim.runUntil(this::ringComplete, 60_000);
    }
  }

  SimCluster(long seed, int size, RequestSettings settings) {
    this(seed, size, settings, true);
  }

  /** Every node's ring has every node. */
  public boolean ringComplete() {
    for (SimNode n : nodes) {
      if (n.membership.ring().nodeCount() != nodes.size()) {
        return false;
      }
    }
    return true;
  }

  /** The primaries of a key as node 0 sees the ring. */
  List<SimNode> primaries(byte[] key) {
    List<SimNode> out = new ArrayList<>();
    for (Replica t : nodes.get(0).node == null ? List.<Replica>of()
        : (gossip ? nodes.get(0).membership.primaries(key, settings.replicationFactor())
            : new View(nodes.get(0)).primaries(key, settings.replicationFactor()))) {
      out.add(nodes.stream().filter(n -> n.id.equals(t.nodeId())).findFirst().orElseThrow());
    }
    return out;
  }

  /**
   * Adds a node that gossips its tokens as {@code status} (JOINING: not an owner yet; the simulation
   * streams nothing to it, so what it holds when it goes UP came from the writes sent to it).
   */
  /**
   * Adds a brand-new node that joins as a real one does: JOINING, asks the owners to stream it the ranges
   * it will own ({@code Bootstrap}), then UP.
   */
  public SimNode join() {
    SimNode n = new SimNode(nodes.size(), MemberStatus.JOINING, true);
    nodes.add(n);
    return n;
  }

  public SimNode addNode(MemberStatus status) {
    SimNode n = new SimNode(nodes.size(), status);
    nodes.add(n);
    return n;
  }

  public SimNode node(int i) {
    return nodes.get(i);
  }

  public void kill(int i) {
    nodes.get(i).process.kill();
  }

  /** SIGSTOP: node {@code i} runs nothing until {@link #resume}; it does not know it was stopped. */
  public void pause(int i) {
    nodes.get(i).process.pause();
  }

  /** SIGCONT: everything node {@code i} missed meanwhile (timers, messages) runs now, late. */
  public void resume(int i) {
    nodes.get(i).process.resume();
  }

  /** Restarts a killed node: a new RingNode (no coordinator state) over the same storage. */
  public void restart(int i) {
    SimNode s = nodes.get(i);
    s.process.restart();
    s.boot();
  }

  /** An operation in flight from a client, completed by the simulation. */
  public static final class Call {
    final AtomicReference<Reply> reply = new AtomicReference<>();

    public boolean done() {
      return reply.get() != null;
    }

    public Reply get() {
      return reply.get();
    }
  }

  /** Sends a client request to node {@code i} now; the reply lands in the returned call. */
  public Call call(int i, Request request) {
    Call call = new Call();
    RingNode target = nodes.get(i).node;
    sim.after(0, () -> target.onRequest(request, call.reply::set));
    return call;
  }

  /** Sends and runs the simulation until the reply arrives (bounded). */
  public Reply await(int i, Request request) {
    Call c = call(i, request);
    sim.runUntil(c::done, 60_000);
    return c.get();
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A node's raw stored object for a key (below the anti-entropy decorator; null when absent). */
  public static VersionedObject stored(SimNode n, byte[] key) {
    return n.storage.get(key);
  }

  /** An anti-entropy counter of a node, {@code ringkv.antientropy.<name>}. */
  public static long counter(SimNode n, String name) {
    return n.metrics.counter("ringkv.antientropy." + name).getCount();
  }
}
