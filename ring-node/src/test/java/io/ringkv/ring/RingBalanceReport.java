package io.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Member;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures how evenly random tokens spread ownership: for each cluster size and vnode count, over
 * {@link #SEEDS} seeds, the max relative deviation of a node's primary ownership from the fair share
 * 1/nodes. Writes a Markdown table to {@code target/ring-balance-table.md}. A report, not a test:
 * run it with
 * {@code ./mvnw -B -ntp -o verify -pl ring-node -am -Dtest=RingBalanceReport -Dsurefire.failIfNoSpecifiedTests=false -Dringkv.balance=true}.
 */
@EnabledIfSystemProperty(named = "ringkv.balance", matches = "true")
class RingBalanceReport {
  static final int SEEDS = 20;
  static final int[] NODES = {3, 5, 10};
  static final int[] VNODES = {8, 16, 32, 64, 128, 256, 512, 1024, 2048};

  /** Max over nodes of |ownership - 1/nodes| / (1/nodes). */
  static double maxDeviation(Ring ring, int nodes) {
    double fair = 1.0 / nodes;
    return ring.ownership().values().stream().mapToDouble(o -> Math.abs(o - fair) / fair).max().orElseThrow();
  }

  /** Max over nodes of |replicated share - n/nodes| / (n/nodes). */
  static double maxReplicatedDeviation(Ring ring, int nodes, int n) {
    java.util.Map<String, Double> share = new java.util.HashMap<>();
    for (TokenRange r : ring.ranges(n)) {
      for (String id : r.replicas()) {
        share.merge(id, r.fraction(), Double::sum);
      }
    }
    double fair = (double) n / nodes;
    return share.values().stream().mapToDouble(o -> Math.abs(o - fair) / fair).max().orElseThrow();
  }

  @Test
  void report() throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("| vnodes |");
    for (int nodes : NODES) {
      md.append(" ").append(nodes).append(" nodes mean | ").append(nodes).append(" nodes worst |");
    }
    md.append("\n|---:|");
    md.append("---:|---:|".repeat(NODES.length)).append("\n");
    for (int vnodes : VNODES) {
      md.append("| ").append(vnodes).append(" |");
      for (int nodes : NODES) {
        double sum = 0;
        double worst = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
          double d = maxDeviation(Ring.of(RingProperties.cluster(nodes, vnodes, seed * 1000L + nodes)), nodes);
          sum += d;
          worst = Math.max(worst, d);
        }
        md.append(String.format(Locale.ROOT, " %.1f%% | %.1f%% |", 100 * sum / SEEDS, 100 * worst));
      }
      md.append("\n");
    }

    md.append("\nReplicated load with N=3 (share of the ring a node holds a replica of, vs 3/nodes), max relative deviation:\n\n");
    md.append("| vnodes | 5 nodes mean | 5 nodes worst | 10 nodes mean | 10 nodes worst |\n|---:|---:|---:|---:|---:|\n");
    for (int vnodes : VNODES) {
      md.append("| ").append(vnodes).append(" |");
      for (int nodes : new int[] {5, 10}) {
        double sum = 0;
        double worst = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
          double d = maxReplicatedDeviation(Ring.of(RingProperties.cluster(nodes, vnodes, seed * 1000L + nodes)), nodes, 3);
          sum += d;
          worst = Math.max(worst, d);
        }
        md.append(String.format(Locale.ROOT, " %.1f%% | %.1f%% |", 100 * sum / SEEDS, 100 * worst));
      }
      md.append("\n");
    }

    md.append("\nCost at 100 nodes (one build, after a warm-up):\n\n| vnodes | tokens | ring build ms | ring arrays KB | max deviation (primary) |\n|---:|---:|---:|---:|---:|\n");
    for (int vnodes : new int[] {256, 512, 1024, 2048}) {
      List<Member> members = RingProperties.cluster(100, vnodes, 99);
      Ring.of(members); // warm-up
      long t0 = System.nanoTime(); // a report may read the clock; the ring itself never does
      Ring ring = Ring.of(members);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      md.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %.1f%% |%n", vnodes, ring.tokenCount(), ms,
          ring.tokenCount() * 12L / 1024, 100 * maxDeviation(ring, 100)));
    }
    Path out = Path.of("target", "ring-balance-table.md");
    Files.writeString(out, md.toString());
    System.out.println(md);
    assertTrue(Files.size(out) > 0);
  }
}
