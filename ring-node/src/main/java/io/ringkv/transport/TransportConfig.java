package io.ringkv.transport;

/**
 * Bounds and timers of the node's network layer (server and internode transport). Every field has a
 * unit in its name and a default in {@link #DEFAULTS} with its reason.
 *
 * @param maxFrameBytes largest frame accepted or sent, request-id header and message included (default
 *     128 MiB). A frame must hold the largest object the store accepts, or that key becomes unreadable
 *     and unrepairable: up to 100 siblings (StorageLimits.siblingsMax) of up to 1 MiB each
 *     (valueBytesMax), plus keys, dots and contexts, so 100 MiB plus overhead. The cost is bounded: a
 *     frame's buffer grows only as its bytes really arrive, connections are capped by
 *     {@code maxConnections}, and an oversize length prefix is refused before anything is buffered.
 * @param maxConnections inbound connections the server holds at once, clients and peers (default 1024:
 *     a cluster of a few dozen nodes plus application clients; each costs a socket and buffers)
 * @param maxInFlightPerConnection client requests one connection may have unanswered before new ones
 *     get OVERLOADED (default 1024, like the client's own maxInFlight; bounds queued work per client)
 * @param helloTimeoutMs how long a new connection may stay silent before its Hello (default 10000:
 *     a handshake takes one round trip; this only reaps sockets that never speak)
 * @param connectTimeoutMs TCP connect plus handshake to a peer (default 2000: above any LAN round trip,
 *     below the coordinators' request timeouts so a dead peer is noticed within one request)
 * @param peerQueueMax messages queued to one peer while it is slow or disconnected (default 10000;
 *     beyond it new messages are dropped and counted: the core relies on timeouts, not delivery)
 * @param peerQueueMaxAgeMs a queued message older than this is dropped instead of sent (default 5000:
 *     past the client's request timeout nobody waits for its answer any more)
 * @param reconnectBackoffMinMs first delay before reconnecting to a peer (default 100)
 * @param reconnectBackoffMaxMs cap of the doubling reconnect delay (default 1000: a healed or restarted
 *     peer is reached within a gossip round; with 5 s the Jepsen runs showed 3-5 s of UNAVAILABLE after
 *     every heal; a dead peer costs one refused connect a second, nothing)
 * @param shutdownTimeoutMs how long close() waits for threads and sockets (default 5000)
 */
public record TransportConfig(
    int maxFrameBytes,
    int maxConnections,
    int maxInFlightPerConnection,
    long helloTimeoutMs,
    long connectTimeoutMs,
    int peerQueueMax,
    long peerQueueMaxAgeMs,
    long reconnectBackoffMinMs,
    long reconnectBackoffMaxMs,
    long shutdownTimeoutMs) {

  /** The smallest frame: the 8-byte request-id header plus a one-byte message. */
  public static final int FRAME_HEADER_BYTES = io.ringkv.protocol.WireCodec.FRAME_HEADER_BYTES;

  public static final TransportConfig DEFAULTS =
      new TransportConfig(io.ringkv.protocol.WireCodec.DEFAULT_MAX_FRAME_BYTES, 1024, 1024, 10_000, 2_000, 10_000, 5_000, 100, 1_000, 5_000);

  public TransportConfig {
    requirePositive("maxFrameBytes", maxFrameBytes);
    if (maxFrameBytes <= FRAME_HEADER_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be > " + FRAME_HEADER_BYTES + ", got " + maxFrameBytes);
    }
    requirePositive("maxConnections", maxConnections);
    requirePositive("maxInFlightPerConnection", maxInFlightPerConnection);
    requirePositive("helloTimeoutMs", helloTimeoutMs);
    requirePositive("connectTimeoutMs", connectTimeoutMs);
    requirePositive("peerQueueMax", peerQueueMax);
    requirePositive("peerQueueMaxAgeMs", peerQueueMaxAgeMs);
    requirePositive("reconnectBackoffMinMs", reconnectBackoffMinMs);
    requirePositive("shutdownTimeoutMs", shutdownTimeoutMs);
    if (reconnectBackoffMaxMs < reconnectBackoffMinMs) {
      throw new IllegalArgumentException("reconnectBackoffMaxMs (" + reconnectBackoffMaxMs
          + ") must be >= reconnectBackoffMinMs (" + reconnectBackoffMinMs + ")");
    }
  }

  public TransportConfig withMaxFrameBytes(int v) {
    return new TransportConfig(v, maxConnections, maxInFlightPerConnection, helloTimeoutMs, connectTimeoutMs,
        peerQueueMax, peerQueueMaxAgeMs, reconnectBackoffMinMs, reconnectBackoffMaxMs, shutdownTimeoutMs);
  }

  public TransportConfig withMaxConnections(int v) {
    return new TransportConfig(maxFrameBytes, v, maxInFlightPerConnection, helloTimeoutMs, connectTimeoutMs,
        peerQueueMax, peerQueueMaxAgeMs, reconnectBackoffMinMs, reconnectBackoffMaxMs, shutdownTimeoutMs);
  }

  public TransportConfig withMaxInFlightPerConnection(int v) {
    return new TransportConfig(maxFrameBytes, maxConnections, v, helloTimeoutMs, connectTimeoutMs,
        peerQueueMax, peerQueueMaxAgeMs, reconnectBackoffMinMs, reconnectBackoffMaxMs, shutdownTimeoutMs);
  }

  public TransportConfig withHelloTimeoutMs(long v) {
    return new TransportConfig(maxFrameBytes, maxConnections, maxInFlightPerConnection, v, connectTimeoutMs,
        peerQueueMax, peerQueueMaxAgeMs, reconnectBackoffMinMs, reconnectBackoffMaxMs, shutdownTimeoutMs);
  }

  public TransportConfig withPeerQueue(int max, long maxAgeMs) {
    return new TransportConfig(maxFrameBytes, maxConnections, maxInFlightPerConnection, helloTimeoutMs,
        connectTimeoutMs, max, maxAgeMs, reconnectBackoffMinMs, reconnectBackoffMaxMs, shutdownTimeoutMs);
  }

  public TransportConfig withReconnectBackoffMs(long min, long max) {
    return new TransportConfig(maxFrameBytes, maxConnections, maxInFlightPerConnection, helloTimeoutMs,
        connectTimeoutMs, peerQueueMax, peerQueueMaxAgeMs, min, max, shutdownTimeoutMs);
  }

  private static void requirePositive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }
}
