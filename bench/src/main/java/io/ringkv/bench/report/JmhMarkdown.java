package io.ringkv.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON result file ({@code -rf json}) into a Markdown table: benchmark, parameters, mode,
 * score with its error, unit, and the time per operation for throughput scores.
 *
 * <pre>JmhMarkdown RESULT.json [TITLE LINE ...]  &gt; RESULT.md</pre>
 */
public final class JmhMarkdown {
  private JmhMarkdown() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JmhMarkdown RESULT.json [header line ...]");
      System.exit(2);
    }
    JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    PrintStream out = System.out;
    for (int i = 1; i < args.length; i++) {
      out.println(args[i]);
    }
    if (args.length > 1) {
      out.println();
    }
    out.println("| benchmark | parameters | mode | score | ± error (99.9%) | unit | ≈ time/op |");
    out.println("|---|---|---|---:|---:|---|---:|");
    for (JsonNode r : results) {
      String name = r.path("benchmark").asText();
      name = name.startsWith("io.ringkv.bench.jmh.") ? name.substring("io.ringkv.bench.jmh.".length()) : name;
      StringBuilder params = new StringBuilder();
      Iterator<Map.Entry<String, JsonNode>> it = r.path("params").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> p = it.next();
        params.append(params.length() == 0 ? "" : ", ").append(p.getKey()).append('=').append(p.getValue().asText());
      }
      JsonNode primary = r.path("primaryMetric");
      double score = primary.path("score").asDouble();
      double error = primary.path("scoreError").asDouble(Double.NaN);
      String unit = primary.path("scoreUnit").asText();
      out.println("| " + name + " | " + (params.length() == 0 ? "-" : params) + " | " + r.path("mode").asText()
          + " | " + number(score) + " | " + (Double.isNaN(error) ? "-" : number(error)) + " | " + unit + " | "
          + timePerOp(score, unit) + " |");
    }
  }

  private static String number(double v) {
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String timePerOp(double score, String unit) {
    if (!unit.equals("ops/s") || score <= 0) {
      return "-";
    }
    double ns = 1e9 / score;
    return ns >= 10_000 ? String.format(Locale.ROOT, "%.1f µs", ns / 1000) : String.format(Locale.ROOT, "%.0f ns", ns);
  }
}
