package io.ringkv.transport;

import io.ringkv.gossip.Endpoint;
import io.ringkv.sim.SimNetwork;
import io.ringkv.sim.Simulator;
import java.util.function.BooleanSupplier;

/** The transport contract on the simulated network, in simulated time (seeded, single-threaded). */
class SimTransportContractTest extends TransportContractTest {
  private static final long SEED = 20261122L;
  private static final long EVENTUALLY_SIM_MS = 10_000;

  private final Simulator sim = new Simulator(SEED);
  private final SimNetwork network = new SimNetwork(sim);
  private int nextPort = 7000;

  @Override
  protected Transport newTransport(String id, Transport.PeerHandler handler) {
    Transport t = network.transport(new Endpoint("10.0.0." + (nextPort - 6999), nextPort++), sim.process(id));
    t.start(handler);
    return t;
  }

  @Override
  protected void awaitUntil(BooleanSupplier condition) {
    sim.runUntil(condition, EVENTUALLY_SIM_MS);
  }

  @Override
  protected Endpoint nowhere() {
    return new Endpoint("10.0.9.9", 9);
  }

  /** What only the simulated network does: cut links lose messages; held links deliver them late. */
  @org.junit.jupiter.api.Test
  void aCutLinkLosesMessagesAndAHeldLinkDeliversThemLate() {
    java.util.List<io.ringkv.protocol.Message> got = new java.util.ArrayList<>();
    Transport a = newTransport("a", (from, m) -> {});
    Transport b = newTransport("b", (from, m) -> got.add(m));
    network.partition(java.util.Set.of(a.localEndpoint()), java.util.Set.of(b.localEndpoint()));
    a.send(b.localEndpoint(), new io.ringkv.protocol.ClientMessages.InfoRequest(1));
    sim.runFor(1_000);
    org.junit.jupiter.api.Assertions.assertTrue(got.isEmpty(), "a message crossed a cut link");

    network.heal();
    network.slowDown(b.localEndpoint(), 3_000);
    long sentAt = sim.nowMs();
    a.send(b.localEndpoint(), new io.ringkv.protocol.ClientMessages.InfoRequest(2));
    sim.runFor(2_000);
    org.junit.jupiter.api.Assertions.assertTrue(got.isEmpty(), "a held message arrived early");
    sim.runUntil(() -> !got.isEmpty(), 5_000);
    org.junit.jupiter.api.Assertions.assertTrue(sim.nowMs() - sentAt >= 3_000);
    org.junit.jupiter.api.Assertions.assertEquals(2,
        ((io.ringkv.protocol.ClientMessages.InfoRequest) got.get(0)).requestId());
  }
}
