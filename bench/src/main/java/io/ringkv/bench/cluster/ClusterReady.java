package io.ringkv.bench.cluster;

import io.ringkv.client.NodeAddress;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.RingkvClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until every node of a fresh cluster sees every node UP with tokens, so a benchmark does not
 * start against a ring that is still converging. Exits 0 when ready, 1 on timeout (printing what each
 * node saw last).
 *
 * <pre>ClusterReady TIMEOUT_SECONDS host:port [host:port ...]</pre>
 *
 * TLS and login come from the system properties of {@code SecurityProperties} ({@code -Dringkv.tls.ca=...}).
 */
public final class ClusterReady {
  private ClusterReady() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: ClusterReady TIMEOUT_SECONDS host:port [host:port ...]");
      System.exit(2);
    }
    long deadline = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
    List<NodeAddress> nodes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      nodes.add(NodeAddress.parse(args[i]));
    }
    String last = "";
    while (System.nanoTime() < deadline) {
      StringBuilder seen = new StringBuilder();
      int ready = 0;
      for (NodeAddress node : nodes) {
        try (RingkvClient client = RingkvClient.connect(io.ringkv.bench.ycsb.SecurityProperties.apply(
            new ClientConfig(List.of(node), 1_000, 2_000, 60_000, 16), System::getProperty))) {
          ClusterInfo info = client.blocking().info();
          long up = info.nodes().stream().filter(n -> n.status().equals("UP") && n.tokens() > 0).count();
          seen.append(node).append(" sees ").append(up).append(" of ").append(nodes.size()).append(" UP; ");
          if (up == nodes.size()) {
            ready++;
          }
        } catch (RuntimeException e) {
          seen.append(node).append(": ").append(e.getMessage()).append("; ");
        }
      }
      last = seen.toString();
      if (ready == nodes.size()) {
        System.out.println("cluster ready: " + last);
        return;
      }
      Thread.sleep(500);
    }
    System.err.println("cluster not ready in time: " + last);
    System.exit(1);
  }
}
