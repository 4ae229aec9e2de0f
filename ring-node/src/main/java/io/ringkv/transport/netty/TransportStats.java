package io.ringkv.transport.netty;

/**
 * Counters of a {@link NettyTransport} since it started. Drops are normal under failure: the core
 * relies on timeouts, not on delivery.
 *
 * @param sent messages written to a peer's socket
 * @param droppedQueueFull messages refused because the peer's queue held peerQueueMax already
 * @param droppedExpired messages dropped after waiting longer than peerQueueMaxAgeMs for a connection
 * @param droppedOther messages lost to a failed write, an unencodable message or a closed transport
 * @param connectFailures connection attempts (connect or handshake) that failed
 */
public record TransportStats(long sent, long droppedQueueFull, long droppedExpired, long droppedOther,
    long connectFailures) {
  public long dropped() {
    return droppedQueueFull + droppedExpired + droppedOther;
  }
}
