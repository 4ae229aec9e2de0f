package io.ringkv.sim;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.transport.Transport;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The simulated network: delivers messages between {@link SimTransport}s after a random delay, and
 * on request drops, duplicates (and, through random delays, reorders) them or cuts links. All
 * randomness comes from the simulator's seed.
 */
public final class SimNetwork {
  private final Simulator sim;
  private final Map<Endpoint, SimTransport> transports = new HashMap<>();
  private final Set<String> cut = new HashSet<>();
  private final Map<Endpoint, Long> extraDelayTo = new HashMap<>();
  private long minDelayMs = 1;
  private long maxDelayMs = 5;
  private double dropRate;
  private double duplicateRate;
  private long delivered;
  private long dropped;
  /** Receives one line per message sent, dropped or delivered; null: no trace (the default). */
  private Consumer<String> tracer;

  public SimNetwork(Simulator sim) {
    this.sim = sim;
  }

  public SimTransport transport(Endpoint endpoint, Simulator.Process process) {
    SimTransport t = new SimTransport(this, endpoint, process);
    transports.put(endpoint, t);
    return t;
  }

  /**
   * Sends {@code tracer} one line per message event, in simulated-time order: {@code send}, {@code drop} and
   * {@code deliver}, with the time, the link, the message type and a CRC of its wire bytes. Two runs of one
   * seed trace the same lines (SimulationDeterminismTest checks it).
   */
  public void trace(Consumer<String> tracer) {
    this.tracer = tracer;
  }

  private void trace(String event, Endpoint from, Endpoint to, Message message, long crc) {
    if (tracer != null) {
      tracer.accept(sim.nowMs() + " " + event + " " + from + ">" + to + " " + message.getClass().getSimpleName()
          + " " + Long.toHexString(crc));
    }
  }

  /** Message delay, uniformly between the bounds. */
  public void setDelay(long minMs, long maxMs) {
    this.minDelayMs = minMs;
    this.maxDelayMs = Math.max(minMs, maxMs);
  }

  public void setDropRate(double rate) {
    this.dropRate = rate;
  }

  public void setDuplicateRate(double rate) {
    this.duplicateRate = rate;
  }

  /** Cuts every link between the two groups, both ways. */
  public void partition(Set<Endpoint> a, Set<Endpoint> b) {
    for (Endpoint x : a) {
      for (Endpoint y : b) {
        cut.add(x + ">" + y);
        cut.add(y + ">" + x);
      }
    }
  }

  /** Isolates {@code node} from every other endpoint. */
  public void isolate(Endpoint node) {
    partition(Set.of(node), new HashSet<>(transports.keySet()));
  }

  public void heal() {
    cut.clear();
    extraDelayTo.clear();
  }

  /**
   * Holds every message to {@code node} for {@code extraMs} more, as a SIGSTOPped process or a stalled
   * link does: nothing is lost, everything arrives late.
   */
  public void slowDown(Endpoint node, long extraMs) {
    extraDelayTo.put(node, extraMs);
  }

  public boolean connected(Endpoint from, Endpoint to) {
    return !cut.contains(from + ">" + to);
  }

  void send(SimTransport from, Endpoint to, Message message) {
    Random random = sim.random();
    Endpoint src = from.localEndpoint();
    byte[] bytes = Messages.toBytes(message);
    long crc = 0;
    if (tracer != null) {
      CRC32 c = new CRC32();
      c.update(bytes);
      crc = c.getValue();
    }
    if (!connected(src, to) || random.nextDouble() < dropRate) {
      dropped++;
      trace("drop", src, to, message, crc);
      return;
    }
    // every simulated message crosses the real wire codec, so simulations catch what it cannot carry
    Message wire = Messages.fromBytes(bytes);
    int copies = random.nextDouble() < duplicateRate ? 2 : 1;
    trace(copies == 2 ? "send*2" : "send", src, to, message, crc);
    long sum = crc;
    for (int i = 0; i < copies; i++) {
      long delay = minDelayMs + (maxDelayMs > minDelayMs ? random.nextLong(maxDelayMs - minDelayMs + 1) : 0)
          + extraDelayTo.getOrDefault(to, 0L);
      sim.at(sim.nowMs() + delay, null, () -> {
        SimTransport target = transports.get(to);
        // a link cut while the message was in flight loses it too
        if (target == null || !connected(src, to) || !target.deliverable()) {
          dropped++;
          trace("drop", src, to, wire, sum);
          return;
        }
        if (target.paused()) {
          // a SIGSTOPped receiver reads the message from its socket when it resumes
          sim.at(sim.nowMs(), target.process(), () -> {
            if (connected(src, to) && target.deliverable()) {
              delivered++;
              trace("deliver", src, to, wire, sum);
              target.deliver(src, wire);
            }
          });
          return;
        }
        delivered++;
        trace("deliver", src, to, wire, sum);
        target.deliver(src, wire);
      });
    }
  }

  public long delivered() {
    return delivered;
  }

  public long dropped() {
    return dropped;
  }

  /** Used by transports. */
  Simulator simulator() {
    return sim;
  }

  /** For tests that need to look a transport up. */
  public Transport transportAt(Endpoint e) {
    return transports.get(e);
  }
}
