package io.ringkv.client;

import java.util.List;

/**
 * How a client connects.
 *
 * @param seeds nodes to try first, in order; more are learned from heartbeats
 * @param connectTimeoutMs TCP connect and handshake timeout per node (default 2000)
 * @param requestTimeoutMs default time to wait for an answer (default 5000: above the node's own
 *     quorum timeout, so the node's precise error arrives before the client gives up)
 * @param heartbeatIntervalMs how often the client calls INFO on its node (default 1000, seed 002)
 * @param maxInFlight requests outstanding on one connection before new ones fail fast (default 1024)
 * @param tls TLS settings, or null for plaintext
 * @param credentials user and password for nodes with {@code --auth on}, or null
 */
public record ClientConfig(List<NodeAddress> seeds, long connectTimeoutMs, long requestTimeoutMs,
    long heartbeatIntervalMs, int maxInFlight, ClientTls tls, Credentials credentials) {

  public ClientConfig {
    if (seeds == null || seeds.isEmpty()) {
      throw new IllegalArgumentException("seeds: at least one node address is needed");
    }
    seeds = List.copyOf(seeds);
    if (connectTimeoutMs <= 0 || requestTimeoutMs <= 0 || heartbeatIntervalMs <= 0 || maxInFlight <= 0) {
      throw new IllegalArgumentException("connectTimeoutMs, requestTimeoutMs, heartbeatIntervalMs and maxInFlight must be > 0");
    }
  }

  public ClientConfig(List<NodeAddress> seeds, long connectTimeoutMs, long requestTimeoutMs, long heartbeatIntervalMs,
      int maxInFlight) {
    this(seeds, connectTimeoutMs, requestTimeoutMs, heartbeatIntervalMs, maxInFlight, null, null);
  }

  public static ClientConfig of(NodeAddress... seeds) {
    return new ClientConfig(List.of(seeds), 2000, 5000, 1000, 1024);
  }

  public ClientConfig withTls(ClientTls t) {
    return new ClientConfig(seeds, connectTimeoutMs, requestTimeoutMs, heartbeatIntervalMs, maxInFlight, t, credentials);
  }

  public ClientConfig withCredentials(Credentials c) {
    return new ClientConfig(seeds, connectTimeoutMs, requestTimeoutMs, heartbeatIntervalMs, maxInFlight, tls, c);
  }
}
