package io.ringkv.sim;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.transport.Transport;

/** The simulated twin of the Netty transport (STYLE.md 2): same interface, messages via {@link SimNetwork}. */
public final class SimTransport implements Transport {
  private final SimNetwork network;
  private final Endpoint self;
  private final Simulator.Process process;
  private PeerHandler handler;

  SimTransport(SimNetwork network, Endpoint self, Simulator.Process process) {
    this.network = network;
    this.self = self;
    this.process = process;
  }

  @Override
  public void start(PeerHandler handler) {
    this.handler = handler;
  }

  @Override
  public void send(Endpoint to, Message message) {
    if (process.alive() && handler != null) {
      network.send(this, to, message);
    }
  }

  boolean paused() {
    return process.paused();
  }

  Simulator.Process process() {
    return process;
  }

  boolean deliverable() {
    return process.alive() && handler != null;
  }

  void deliver(Endpoint from, Message message) {
    handler.onMessage(from, message);
  }

  @Override
  public Endpoint localEndpoint() {
    return self;
  }

  /** Like the Netty transport, a closed transport neither sends nor receives. */
  @Override
  public void close() {
    handler = null;
  }
}
