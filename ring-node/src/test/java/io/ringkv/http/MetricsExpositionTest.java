package io.ringkv.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.ringkv.node.NodeMetrics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /metrics from a node's registry: JSON by default, the Prometheus text format when asked, which parses. */
class MetricsExpositionTest {
  private static String body(FullHttpResponse r) {
    try {
      return r.content().toString(StandardCharsets.UTF_8);
    } finally {
      r.release();
    }
  }

  private static MetricRegistry registry() {
    MetricRegistry registry = new MetricRegistry();
    new NodeMetrics(registry);
    registry.timer("ringkv.coordinator.get").update(3, TimeUnit.MILLISECONDS);
    registry.counter("ringkv.errors.timeout").inc(2);
    registry.counter("ringkv.hints.stored").inc(5);
    registry.register("ringkv.hints.pending", (Gauge<Long>) () -> 7L);
    registry.timer("ringkv.antientropy.exchange.time").update(1, TimeUnit.SECONDS);
    return registry;
  }

  @Test
  void jsonUnlessPrometheusIsAsked() {
    MetricsExposition m = new MetricsExposition(registry());
    FullHttpResponse json = m.respond("*/*", null);
    assertEquals("application/json", json.headers().get(HttpHeaderNames.CONTENT_TYPE));
    String text = body(json);
    assertTrue(text.contains("\"ringkv.coordinator.get\""), text);
    assertTrue(text.contains("\"count\" : 1"), text);
    assertTrue(MetricsExposition.wantsPrometheus("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", null),
        "what a Prometheus server sends");
    assertFalse(MetricsExposition.wantsPrometheus("text/html,application/xhtml+xml,*/*;q=0.8", null), "a browser");
    assertFalse(MetricsExposition.wantsPrometheus("text/plain", "json"));
  }

  @Test
  void prometheusScrapeParsesWithConventionalNames() {
    MetricsExposition m = new MetricsExposition(registry());
    FullHttpResponse r = m.respond(null, "prometheus");
    assertTrue(r.headers().get(HttpHeaderNames.CONTENT_TYPE).startsWith("text/plain; version=0.0.4"));
    String text = body(r);
    PrometheusTextCheck.Scrape s = PrometheusTextCheck.parse(text);
    assertEquals("summary", s.types().get("ringkv_coordinator_seconds"), text);
    assertEquals(1.0, s.sample("ringkv_coordinator_seconds_count", "op", "get"));
    assertEquals(0.003, s.sample("ringkv_coordinator_seconds", "op", "get", "quantile", "0.99"), 1e-9, "in seconds");
    assertEquals(0.0, s.sample("ringkv_coordinator_seconds_count", "op", "put"));
    assertEquals("counter", s.types().get("ringkv_errors_total"), text);
    assertEquals(2.0, s.sample("ringkv_errors_total", "code", "timeout"));
    assertEquals(5.0, s.sample("ringkv_hints_stored_total"));
    assertEquals(7.0, s.sample("ringkv_hints_pending"));
    assertEquals(1.0, s.sample("ringkv_antientropy_exchange_seconds_count"));
    assertEquals(1.0, s.sample("ringkv_antientropy_exchange_seconds", "quantile", "0.5"), 1e-9, "in seconds");
  }

  @Test
  void theCheckRefusesWhatIsNotTheFormat() {
    for (String bad : new String[] {"ringkv_x 1\n", "# TYPE a counter\na_count 1\n", "# TYPE a gauge\na{b=\"c} 1\n",
        "# TYPE a gauge\na one\n", "# TYPE a gauge\n# TYPE a gauge\n", "# TYPE 1a gauge\n"}) {
      try {
        PrometheusTextCheck.parse(bad);
      } catch (AssertionError expected) {
        continue;
      }
      throw new AssertionError("accepted: " + bad);
    }
  }
}
