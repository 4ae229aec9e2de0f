package io.ringkv.antientropy;

import com.codahale.metrics.MetricRegistry;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.ring.Ring;
import io.ringkv.sim.Simulator;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Nodes running only anti-entropy (no request path) on a fixed ring, in one simulator thread. Every
 * message is encoded and decoded with the real Kryo registry on the way, so the byte counts are the wire's.
 */
final class AeHarness {
  final Simulator sim;
  final Ring ring;
  final List<Node> nodes = new ArrayList<>();
  final Set<String> down = new HashSet<>();
  final Map<String, long[]> bytesByType = new TreeMap<>();
  long wireBytes;
  long messages;

  final class Node {
    final String id;
    final Endpoint endpoint;
    final Simulator.Process process;
    final InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults();
    final MetricRegistry metrics = new MetricRegistry();
    final AntiEntropy ae;

    Node(String id, Endpoint endpoint, int n, AntiEntropyConfig config) {
      this.id = id;
      this.endpoint = endpoint;
      this.process = sim.process(id);
      this.ae = new AntiEntropy(id, n, config, raw, () -> ring, other -> !down.contains(other), sim,
          process.scheduler(), process.executor(), this::send, metrics);
    }

    void send(Endpoint to, Message m) {
      if (down.contains(id)) {
        return;
      }
      byte[] wire = Messages.toBytes(m);
      wireBytes += wire.length;
      messages++;
      long[] c = bytesByType.computeIfAbsent(m.getClass().getSimpleName(), k -> new long[2]);
      c[0]++;
      c[1] += wire.length;
      Message decoded = Messages.fromBytes(wire);
      Node target = nodes.stream().filter(x -> x.endpoint.equals(to)).findFirst().orElseThrow();
      sim.at(sim.nowMs() + 1, target.process, () -> {
        if (!down.contains(target.id) && !down.contains(id)) {
          target.ae.onMessage(endpoint, decoded);
        }
      });
    }

    /** Runs one exchange initiated by this node and returns its result. */
    RangeExchange.Result exchange() {
      int before = ae.recentResults().size();
      boolean[] started = {false};
      sim.at(sim.nowMs(), process, () -> started[0] = ae.startNextExchange());
      sim.runUntil(() -> started[0] && ae.runningExchanges() == 0, 3_600_000);
      List<RangeExchange.Result> r = ae.recentResults();
      if (r.size() == before) {
        throw new AssertionError("no exchange finished");
      }
      return r.get(r.size() - 1);
    }
  }

  AeHarness(long seed, int size, int n, AntiEntropyConfig config) {
    this.sim = new Simulator(seed);
    Random r = new Random(seed);
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      List<Long> tokens = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        tokens.add(r.nextLong());
      }
      members.add(Member.of("n" + (i + 1), new Endpoint("10.0.1." + (i + 1), 7000), tokens, MemberStatus.UP, 1));
    }
    this.ring = Ring.of(members);
    for (Member m : members) {
      nodes.add(new Node(m.id(), m.endpoint(), n, config));
    }
  }

  Node node(int i) {
    return nodes.get(i);
  }

  void resetCounters() {
    wireBytes = 0;
    messages = 0;
    bytesByType.clear();
  }
}
