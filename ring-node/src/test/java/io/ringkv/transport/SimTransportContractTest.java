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
}
