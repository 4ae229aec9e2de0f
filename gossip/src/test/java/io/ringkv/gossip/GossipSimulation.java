package io.ringkv.gossip;

import io.ringkv.gossip.GossipResult.Outbound;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A one-thread cluster of {@link Gossiper}s over a perfect, instant network with a fake clock: every
 * round each running node ticks, then messages are delivered FIFO until none are left. Nodes can be
 * stopped (no ticks, messages to them dropped), restarted with a new generation, and partitioned.
 */
final class GossipSimulation {
  static final ClusterMetadata METADATA = new ClusterMetadata("ringkv", 3, "any");

  final Map<Endpoint, Gossiper> nodes = new LinkedHashMap<>();
  final Map<Endpoint, List<MembershipEvent>> events = new LinkedHashMap<>();
  final Set<Endpoint> stopped = new HashSet<>();
  final List<Set<Endpoint>> partitions = new ArrayList<>();
  final List<String> trace = new ArrayList<>();
  private final long seed;
  private final GossipConfig config;
  long nowMs = 1_000_000;
  /** Probability that any one message is lost; losses are drawn from {@link #network}. */
  double dropRate;
  private final Random network;
  int messagesDelivered;
  /** Whole member states and heartbeat digests delivered in Acks and Ack2s. */
  int statesDelivered;
  int heartbeatsDelivered;

  GossipSimulation(long seed, GossipConfig config) {
    this.seed = seed;
    this.config = config;
    this.network = new Random(seed ^ 0x5DEECE66DL);
  }

  static Endpoint endpoint(int i) {
    return new Endpoint("10.0.0." + i, 7000);
  }

  Gossiper add(String id, int host, long generation, ClusterMetadata metadata, List<Endpoint> seeds) {
    Endpoint e = endpoint(host);
    Member local = Member.of(id, e, List.of((long) host * 100, (long) host * 100 + 1), MemberStatus.UP, generation);
    Gossiper g = new Gossiper(local, metadata, seeds, config, new Random(seed * 31 + host));
    nodes.put(e, g);
    events.put(e, new ArrayList<>());
    stopped.remove(e);
    return g;
  }

  Gossiper add(String id, int host, List<Endpoint> seeds) {
    return add(id, host, 1, METADATA, seeds);
  }

  Gossiper node(int host) {
    return nodes.get(endpoint(host));
  }

  List<MembershipEvent> eventsOf(int host) {
    return events.get(endpoint(host));
  }

  void stop(int host) {
    stopped.add(endpoint(host));
  }

  void partition(Set<Endpoint> side) {
    partitions.add(side);
  }

  void heal() {
    partitions.clear();
  }

  private boolean reachable(Endpoint a, Endpoint b) {
    if (stopped.contains(b)) {
      return false;
    }
    for (Set<Endpoint> side : partitions) {
      if (side.contains(a) != side.contains(b)) {
        return false;
      }
    }
    return true;
  }

  void rounds(int n) {
    for (int i = 0; i < n; i++) {
      round();
    }
  }

  void round() {
    nowMs += config.gossipIntervalMs();
    ArrayDeque<Object[]> queue = new ArrayDeque<>();
    for (Map.Entry<Endpoint, Gossiper> e : nodes.entrySet()) {
      if (!stopped.contains(e.getKey())) {
        enqueue(queue, e.getKey(), e.getValue().tick(nowMs));
      }
    }
    int budget = 100_000;
    while (!queue.isEmpty()) {
      if (--budget == 0) {
        throw new AssertionError("message storm");
      }
      Object[] m = queue.poll();
      Endpoint from = (Endpoint) m[0];
      Outbound out = (Outbound) m[1];
      if (!reachable(from, out.to()) || !nodes.containsKey(out.to())
          || (dropRate > 0 && network.nextDouble() < dropRate)) {
        continue;
      }
      messagesDelivered++;
      if (out.payload() instanceof GossipPayload.Ack a) {
        statesDelivered += a.states().size();
        heartbeatsDelivered += a.heartbeats().size();
      } else if (out.payload() instanceof GossipPayload.Ack2 a) {
        statesDelivered += a.states().size();
        heartbeatsDelivered += a.heartbeats().size();
      }
      trace.add(nowMs + " " + from + "->" + out.to() + " " + out.payload().getClass().getSimpleName());
      enqueue(queue, out.to(), nodes.get(out.to()).onMessage(from, out.payload(), nowMs));
    }
  }

  private void enqueue(ArrayDeque<Object[]> queue, Endpoint at, GossipResult r) {
    events.get(at).addAll(r.events());
    for (Outbound o : r.outbound()) {
      queue.add(new Object[] {at, o});
    }
  }
}
