package io.ringkv.transport;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;

/**
 * Node-to-node messaging, the seam between the replication core and the network. Two
 * implementations: Netty (real sockets) and the simulated network of the cluster tests, which can
 * drop, delay, duplicate, reorder and partition. Modelled on memberlist's five-method transport.
 *
 * <p>Delivery is best-effort and unordered across connections; the core never relies on a message
 * arriving, only on timeouts.
 */
public interface Transport extends AutoCloseable {

  /** Starts delivering inbound node messages to {@code handler}. */
  void start(PeerHandler handler);

  /**
   * Sends {@code message} to the node listening at {@code to}. Never blocks: when the peer's
   * outbound queue is over its bound the message is dropped and counted.
   */
  void send(Endpoint to, Message message);

  /** This node's advertised endpoint, the {@code from} that receivers see. */
  Endpoint localEndpoint();

  @Override
  void close();

  /** Receives messages from other nodes. Called on transport threads; must not block. */
  @FunctionalInterface
  interface PeerHandler {
    void onMessage(Endpoint from, Message message);
  }
}
