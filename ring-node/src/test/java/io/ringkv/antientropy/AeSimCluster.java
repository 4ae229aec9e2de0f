package io.ringkv.antientropy;

import com.codahale.metrics.MetricRegistry;
import io.ringkv.coordinator.KryoContextCodec;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.Gossiper;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.node.NodeMetrics;
import io.ringkv.node.RequestSettings;
import io.ringkv.node.RingNode;
import io.ringkv.protocol.GossipMessages;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.ring.TokenAllocator;
import io.ringkv.sim.SimNetwork;
import io.ringkv.sim.SimTransport;
import io.ringkv.sim.Simulator;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The simulated cluster of {@code io.ringkv.sim.SimCluster} (real RingNodes, real gossip and phi accrual
 * over a SimNetwork, in-memory stores that survive a kill, one thread, one seed) with anti-entropy wired
 * exactly as ServerNode wires it: the node runs on {@link AntiEntropy#storage()}, anti-entropy messages
 * are routed to it first, and ring changes are reported to it. (SimCluster is package-private in
 * io.ringkv.sim, hence this twin in the anti-entropy test package.)
 */
final class AeSimCluster {
  final Simulator sim;
  final SimNetwork network;
  final RequestSettings settings;
  final AntiEntropyConfig config;
  final List<SimNode> nodes = new ArrayList<>();

  final class SimNode {
    final int index;
    final String id;
    final Endpoint endpoint;
    final Simulator.Process process;
    final InMemoryStorageEngine storage = InMemoryStorageEngine.withDefaults();
    final SimTransport transport;
    final List<Long> tokens;
    final MetricRegistry metrics = new MetricRegistry();
    RingNode node;
    Membership membership;
    AntiEntropy ae;
    long generation;

    SimNode(int index) {
      this.index = index;
      this.id = "n" + (index + 1);
      this.tokens = TokenAllocator.allocate(16, new HashSet<>(), sim.random());
      this.endpoint = new Endpoint("10.0.0." + (index + 1), 7000);
      this.process = sim.process(id);
      this.transport = network.transport(endpoint, process);
      boot();
    }

    void boot() {
      generation++;
      Member self = Member.of(id, endpoint, tokens, MemberStatus.UP, generation);
      List<Endpoint> seeds = index == 0 ? List.of() : List.of(nodes.get(0).endpoint);
      Gossiper gossiper = new Gossiper(self, new ClusterMetadata("sim", settings.replicationFactor(), "any"), seeds,
          GossipConfig.defaults(), new Random(sim.random().nextLong()));
      Membership m = new Membership(gossiper, sim, process.scheduler(),
          (to, payload) -> transport.send(to, GossipMessages.wrap(payload)));
      membership = m;
      metrics.removeMatching((name, metric) -> true);
      ae = new AntiEntropy(id, settings.replicationFactor(), config, storage, m::ring, m::isAlive, sim,
          process.scheduler(), process.executor(), AntiEntropy.ScanPacing.DELAY_RESULT, transport::send, metrics);
      m.addRingListener(ae::onRingChanged);
      node = new RingNode(id, endpoint, settings, ae.storage(), transport, m, sim, process.scheduler(),
          process.executor(), new KryoContextCodec(), new NodeMetrics(metrics));
      AntiEntropy a = ae;
      node.setOtherMessageHandler((from, message) -> {
        if (a.onMessage(from, message)) {
          return;
        }
        if (message instanceof GossipMessages.GossipMessage g) {
          m.onGossip(from, g.payload());
        }
      });
      m.start();
      a.start();
      transport.start(node);
    }

    /** The object stored for a key, below the anti-entropy decorator (null when absent). */
    VersionedObject stored(byte[] key) {
      return storage.get(key);
    }

    long counter(String name) {
      return metrics.counter("ringkv.antientropy." + name).getCount();
    }
  }

  AeSimCluster(long seed, int size, RequestSettings settings, AntiEntropyConfig config) {
    this.sim = new Simulator(seed);
    this.network = new SimNetwork(sim);
    this.settings = settings;
    this.config = config;
    for (int i = 0; i < size; i++) {
      nodes.add(new SimNode(i));
    }
    sim.runUntil(this::ringComplete, 60_000);
  }

  boolean ringComplete() {
    for (SimNode n : nodes) {
      if (n.membership.ring().nodeCount() != nodes.size()) {
        return false;
      }
    }
    return true;
  }

  SimNode node(int i) {
    return nodes.get(i);
  }

  void kill(int i) {
    nodes.get(i).process.kill();
  }

  void restart(int i) {
    SimNode s = nodes.get(i);
    s.process.restart();
    s.boot();
  }

  static final class Call {
    final AtomicReference<Reply> reply = new AtomicReference<>();

    boolean done() {
      return reply.get() != null;
    }
  }

  Call call(int i, Request request) {
    Call call = new Call();
    RingNode target = nodes.get(i).node;
    sim.after(0, () -> target.onRequest(request, call.reply::set));
    return call;
  }

  Reply await(int i, Request request) {
    Call c = call(i, request);
    sim.runUntil(c::done, 60_000);
    return c.reply.get();
  }
}
