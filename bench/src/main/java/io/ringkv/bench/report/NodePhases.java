package io.ringkv.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The per-phase timers of nodes' {@code /metrics} JSON (Dropwizard, durations in milliseconds) as
 * Markdown rows: coordinator (client request to reply, on the coordinating node) and replica (one
 * replica request served against storage). Dropwizard's reservoirs weight the last few minutes, so read
 * right after a run these are that run's figures, roughly.
 *
 * <pre>NodePhases LABEL=metrics.json [LABEL=metrics.json ...]</pre>
 */
public final class NodePhases {
  private NodePhases() {}

  public static void main(String[] args) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    System.out.println("| node | timer | count | mean ms | p50 ms | p95 ms | p99 ms | p99.9 ms |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
    for (String arg : args) {
      int eq = arg.indexOf('=');
      String label = arg.substring(0, eq);
      JsonNode timers = mapper.readTree(Path.of(arg.substring(eq + 1)).toFile()).path("timers");
      Iterator<Map.Entry<String, JsonNode>> it = timers.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> t = it.next();
        JsonNode v = t.getValue();
        if (v.path("count").asLong() == 0) {
          continue;
        }
        System.out.println(String.format(Locale.ROOT, "| %s | %s | %,d | %.3f | %.3f | %.3f | %.3f | %.3f |", label,
            t.getKey().replace("ringkv.", ""), v.path("count").asLong(), v.path("mean").asDouble(),
            v.path("p50").asDouble(), v.path("p95").asDouble(), v.path("p99").asDouble(), v.path("p999").asDouble()));
      }
    }
  }
}
