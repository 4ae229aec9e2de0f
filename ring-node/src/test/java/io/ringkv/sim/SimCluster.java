package io.ringkv.sim;

import com.codahale.metrics.MetricRegistry;
import io.ringkv.coordinator.KryoContextCodec;
import io.ringkv.coordinator.ReplicaTarget;
import io.ringkv.gossip.Endpoint;
import io.ringkv.node.ClusterView;
import io.ringkv.node.NodeMetrics;
import io.ringkv.node.RequestSettings;
import io.ringkv.node.RingNode;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A whole ringkv cluster inside one JVM and one thread: real {@link RingNode}s over a
 * {@link SimNetwork}, in-memory storage that survives a simulated kill (as the Chronicle files do),
 * and a fake clock. Placement is a fixed consistent-hash ring; liveness is what the coordinator can
 * reach (an oracle standing in for the failure detector, which has its own tests).
 */
final class SimCluster {
  final Simulator sim;
  final SimNetwork network;
  final RequestSettings settings;
  final List<SimNode> nodes = new ArrayList<>();

  final class SimNode {
    final int index;
    final String id;
    final Endpoint endpoint;
    final Simulator.Process process;
    final StorageEngine storage = InMemoryStorageEngine.withDefaults();
    final SimTransport transport;
    RingNode node;

    SimNode(int index) {
      this.index = index;
      this.id = "n" + (index + 1);
      this.endpoint = new Endpoint("10.0.0." + (index + 1), 7000);
      this.process = sim.process(id);
      this.transport = network.transport(endpoint, process);
      boot();
    }

    void boot() {
      node = new RingNode(id, endpoint, settings, storage, transport, new View(this), sim, process.scheduler(),
          process.executor(), new KryoContextCodec(), new NodeMetrics(new MetricRegistry()));
      transport.start(node);
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
    public List<ReplicaTarget> targets(byte[] key, int n) {
      List<SimNode> ring = ringFrom(key);
      List<ReplicaTarget> out = new ArrayList<>();
      List<String> down = new ArrayList<>();
      for (int i = 0; i < Math.min(n, ring.size()); i++) {
        SimNode p = ring.get(i);
        if (reachable(p)) {
          out.add(ReplicaTarget.primary(p.id, p.endpoint));
        } else {
          down.add(p.id);
        }
      }
      for (int i = n; i < ring.size() && !down.isEmpty(); i++) {
        SimNode f = ring.get(i);
        if (reachable(f)) {
          out.add(new ReplicaTarget(f.id, f.endpoint, down.remove(0)));
        }
      }
      return out;
    }

    @Override
    public List<ReplicaTarget> primaries(byte[] key, int n) {
      List<ReplicaTarget> out = new ArrayList<>();
      for (SimNode p : ringFrom(key).subList(0, Math.min(n, nodes.size()))) {
        out.add(ReplicaTarget.primary(p.id, p.endpoint));
      }
      return out;
    }

    @Override
    public List<NodeInfo> nodes() {
      List<NodeInfo> out = new ArrayList<>();
      for (SimNode s : nodes) {
        out.add(new NodeInfo(s.id, s.endpoint.host(), s.endpoint.port(), reachable(s) ? "UP" : "DOWN", 1,
            1.0 / nodes.size()));
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

  SimCluster(long seed, int size, RequestSettings settings) {
    this.sim = new Simulator(seed);
    this.network = new SimNetwork(sim);
    this.settings = settings;
    for (int i = 0; i < size; i++) {
      nodes.add(new SimNode(i));
    }
  }

  SimNode node(int i) {
    return nodes.get(i);
  }

  void kill(int i) {
    nodes.get(i).process.kill();
  }

  /** Restarts a killed node: a new RingNode (no coordinator state) over the same storage. */
  void restart(int i) {
    SimNode s = nodes.get(i);
    s.process.restart();
    s.boot();
  }

  /** An operation in flight from a client, completed by the simulation. */
  static final class Call {
    final AtomicReference<Reply> reply = new AtomicReference<>();

    boolean done() {
      return reply.get() != null;
    }

    Reply get() {
      return reply.get();
    }
  }

  /** Sends a client request to node {@code i} now; the reply lands in the returned call. */
  Call call(int i, Request request) {
    Call call = new Call();
    RingNode target = nodes.get(i).node;
    sim.after(0, () -> target.onRequest(request, call.reply::set));
    return call;
  }

  /** Sends and runs the simulation until the reply arrives (bounded). */
  Reply await(int i, Request request) {
    Call c = call(i, request);
    sim.runUntil(c::done, 60_000);
    return c.get();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
