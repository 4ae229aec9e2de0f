package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The machine-readable metrics endpoint answers the registry as JSON (it once failed on a Jackson mismatch). */
class MetricsEndpointTest {
  @Test
  void getMetricsAnswersTheRegistryAsJson() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    NodeMetrics metrics = new NodeMetrics(registry);
    metrics.coordinatorGet.time().stop();
    try (MetricsEndpoint endpoint = new MetricsEndpoint(registry, "127.0.0.1", 0)) {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")
          .toURL().openConnection();
      assertEquals(200, c.getResponseCode());
      assertTrue(c.getContentType().startsWith("application/json"));
      String body;
      try (InputStream in = c.getInputStream()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertTrue(body.contains("\"ringkv.coordinator.get\""), body);
      assertTrue(body.contains("\"count\" : 1"), body);
    }
  }
}
