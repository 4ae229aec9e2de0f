package io.ringkv.bench.cluster;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.RingkvClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The load generators' client connections (the YCSB binding's and {@link ClientLoad}'s): {@code count}
 * clients, client k trying host k mod hosts first and then the others in ring order, so coordination
 * spreads over the nodes.
 */
public final class Connections {
  private Connections() {}

  /** Parses {@code host:port,host:port...}; a clear {@link IllegalArgumentException} names a bad entry. */
  public static List<NodeAddress> parseHosts(String hostList) {
    if (hostList == null || hostList.isBlank()) {
      throw new IllegalArgumentException("no hosts: expected host:port[,host:port...]");
    }
    List<NodeAddress> hosts = new ArrayList<>();
    for (String h : hostList.split(",")) {
      hosts.add(NodeAddress.parse(h.trim()));
    }
    return hosts;
  }

  /**
   * Connects {@code count} clients to {@code hosts} with request timeout {@code timeoutMs}, each
   * configuration passed through {@code configure} (TLS, credentials); closes the ones opened when one
   * fails.
   */
  public static List<RingkvClient> open(List<NodeAddress> hosts, int count, long timeoutMs,
      UnaryOperator<ClientConfig> configure) {
    if (hosts.isEmpty() || count < 1) {
      throw new IllegalArgumentException("need at least one host and one connection, got " + hosts.size()
          + " host(s) and " + count + " connection(s)");
    }
    List<RingkvClient> out = new ArrayList<>();
    try {
      for (int k = 0; k < count; k++) {
        List<NodeAddress> seeds = new ArrayList<>();
        for (int j = 0; j < hosts.size(); j++) {
          seeds.add(hosts.get((k + j) % hosts.size()));
        }
        out.add(RingkvClient.connect(configure.apply(new ClientConfig(seeds, 2_000, timeoutMs, 1_000, 4_096))));
      }
    } catch (RuntimeException e) {
      out.forEach(RingkvClient::close);
      throw e;
    }
    return out;
  }
}
