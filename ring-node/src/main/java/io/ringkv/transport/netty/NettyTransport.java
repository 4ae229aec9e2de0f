package io.ringkv.transport.netty;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.security.NodeSecurity;
import io.ringkv.transport.Transport;
import io.ringkv.transport.TransportConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The internode {@link Transport} over Netty. Outbound, it keeps one connection per peer endpoint,
 * opened lazily on the first send, introduced by this node's Hello (node id, advertised endpoint,
 * cluster name) and re-opened after a failure with capped exponential backoff
 * ({@link TransportConfig#reconnectBackoffMinMs()}..{@link TransportConfig#reconnectBackoffMaxMs()}).
 * Messages wait in a bounded per-peer queue ({@link TransportConfig#peerQueueMax()}) while the peer is
 * slow or unreachable; beyond the bound, or after {@link TransportConfig#peerQueueMaxAgeMs()}, they are
 * dropped and counted in {@link #stats()}. A connection whose peer stops reading (the socket stays
 * unwritable while a queued message outlives peerQueueMaxAgeMs) is closed and re-opened. Inbound, peers connect to this node's {@link NettyServer},
 * which hands their messages to the handler given to {@link #start}.
 *
 * <p>Each direction uses its own connection (as in memberlist): a reply to a peer's request is a
 * {@link #send} back to its advertised endpoint. A send to this node's own endpoint also goes through
 * the loopback socket.
 */
public final class NettyTransport implements Transport {
  private final NettyNetwork network;
  private final NettyServer server;
  private final TransportConfig config;
  private final String nodeId;
  private final String clusterName;
  private final Endpoint advertised;
  private final ConcurrentHashMap<Endpoint, PeerConnection> peers = new ConcurrentHashMap<>();
  private final NodeSecurity security;
  private volatile boolean closed;

  final LongAdder sent = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder droppedExpired = new LongAdder();
  final LongAdder droppedOther = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder peersRefused = new LongAdder();

  /**
   * @param server this node's server, which receives the peers' connections
   * @param nodeId this node's id, sent in the Hello
   * @param clusterName sent in the Hello; peers of another cluster refuse the connection
   * @param advertised the endpoint peers reach this node at (its server's public address)
   */
  public NettyTransport(NettyNetwork network, NettyServer server, TransportConfig config, String nodeId,
      String clusterName, Endpoint advertised) {
    this(network, server, config, nodeId, clusterName, advertised, server.security());
  }

  /**
   * As above; outbound connections use mutual TLS when {@code security} covers internode, else prove
   * membership with its cluster secret when it has one (the server's {@link NettyServer} checks the same
   * on inbound ones).
   */
  public NettyTransport(NettyNetwork network, NettyServer server, TransportConfig config, String nodeId,
      String clusterName, Endpoint advertised, NodeSecurity security) {
    this.security = Objects.requireNonNull(security, "security");
    this.network = Objects.requireNonNull(network, "network");
    this.server = Objects.requireNonNull(server, "server");
    this.config = Objects.requireNonNull(config, "config");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.advertised = Objects.requireNonNull(advertised, "advertised");
  }

  @Override
  public void start(PeerHandler handler) {
    server.peerHandler(handler);
  }

  /** A peer's refusal of this node's handshake, handed to the node like any message from that peer. */
  void deliverRefusal(Endpoint from, Message refusal) {
    server.deliverPeerMessage(from, refusal);
  }

  @Override
  public void send(Endpoint to, Message message) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(message, "message");
    if (closed) {
      droppedOther.increment();
      return;
    }
    peers.computeIfAbsent(to, endpoint -> new PeerConnection(this, endpoint, network.io().next())).enqueue(message);
  }

  @Override
  public Endpoint localEndpoint() {
    return advertised;
  }

  public TransportStats stats() {
    return new TransportStats(sent.sum(), droppedQueueFull.sum(), droppedExpired.sum(), droppedOther.sum(),
        connectFailures.sum());
  }

  /** Messages waiting for {@code peer}, 0 when there is no connection to it. */
  public int queuedTo(Endpoint peer) {
    PeerConnection c = peers.get(peer);
    return c == null ? 0 : c.queued();
  }

  /** True when the connection to {@code peer} has completed its handshake and is open. */
  public boolean isConnected(Endpoint peer) {
    PeerConnection c = peers.get(peer);
    return c != null && c.isReady();
  }

  /**
   * Stops delivering inbound peer messages and closes every outbound connection, waiting at most the
   * shutdown timeout; queued messages are dropped. The server keeps serving clients until it is closed.
   */
  @Override
  public void close() {
    closed = true;
    server.clearPeerHandler();
    List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>();
    for (PeerConnection c : peers.values()) {
      closing.add(c.close());
    }
    long deadline = System.nanoTime() + config.shutdownTimeoutMs() * 1_000_000;
    for (var f : closing) {
      f.awaitUninterruptibly(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
    }
    peers.clear();
  }

  /** Outbound connections dropped because the peer did not prove membership (certificate or secret). */
  public long peersRefused() {
    return peersRefused.sum();
  }

  NodeSecurity security() {
    return security;
  }

  TransportConfig config() {
    return config;
  }

  String nodeId() {
    return nodeId;
  }

  String clusterName() {
    return clusterName;
  }

  Endpoint advertised() {
    return advertised;
  }
}
