package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringkv.http.PrometheusTextCheck;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API on three real nodes (N=3), driven by the JDK's HttpClient as curl would: the data
 * routes, siblings as multipart, contexts round-tripping, every error status, KEYS, /cluster,
 * health, metrics in both formats, and a node that keeps serving after garbage on its port. The
 * last test stops a node (so it runs last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpApiClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path dir;
  static LoopbackCluster cluster;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    cluster = new LoopbackCluster(dir, 3, 3, 3_600_000, true);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static HttpResponse<byte[]> send(int node, String method, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(cluster.httpUri(node).resolve(path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.toString());
    return JSON.readTree(r.body());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The parts of a multipart/mixed body, by its boundary. */
  static List<String> parts(HttpResponse<byte[]> r) {
    String type = r.headers().firstValue("content-type").orElseThrow();
    Matcher m = Pattern.compile("multipart/mixed; boundary=(\\S+)").matcher(type);
    assertTrue(m.matches(), type);
    String boundary = "--" + m.group(1);
    List<String> parts = new ArrayList<>();
    for (String chunk : text(r).split(Pattern.quote(boundary))) {
      if (chunk.isEmpty() || chunk.startsWith("--")) {
        continue;
      }
      int headerEnd = chunk.indexOf("\r\n\r\n");
      assertTrue(chunk.substring(0, headerEnd).contains("Content-Type: application/octet-stream"), chunk);
      String value = chunk.substring(headerEnd + 4);
      parts.add(value.substring(0, value.length() - 2)); // the CRLF before the next boundary
    }
    return parts;
  }

  @Test
  @Order(1)
  void putGetUpdateDeleteRoundTripsTheContext() throws Exception {
    HttpResponse<byte[]> created = send(0, "PUT", "/kv/user%2F1", utf8("alice"));
    assertEquals(201, created.statusCode(), text(created));
    assertEquals("2", created.headers().firstValue("X-Ringkv-Replicas").orElseThrow(), "W=2 of N=3 acknowledged");
    assertTrue(json(created).get("created").asBoolean());

    HttpResponse<byte[]> read = send(1, "GET", "/kv/user%2F1", null);
    assertEquals(200, read.statusCode());
    assertEquals("alice", text(read));
    assertEquals("application/octet-stream", read.headers().firstValue("content-type").orElseThrow());
    String context = read.headers().firstValue("X-Ringkv-Context").orElseThrow();

    HttpResponse<byte[]> updated = send(2, "PUT", "/kv/user%2F1", utf8("alice v2"), "X-Ringkv-Context", context);
    assertEquals(200, updated.statusCode(), text(updated));
    assertFalse(json(updated).get("created").asBoolean());
    HttpResponse<byte[]> again = send(0, "GET", "/kv/user%2F1", null);
    assertEquals(200, again.statusCode(), "the context replaced the value: no sibling");
    assertEquals("alice v2", text(again));

    HttpResponse<byte[]> deleted = send(0, "DELETE", "/kv/user%2F1", null,
        "X-Ringkv-Context", again.headers().firstValue("X-Ringkv-Context").orElseThrow());
    assertEquals(204, deleted.statusCode());
    assertEquals("true", deleted.headers().firstValue("X-Ringkv-Existed").orElseThrow());
    HttpResponse<byte[]> gone = send(1, "GET", "/kv/user%2F1", null);
    assertEquals(404, gone.statusCode());
    assertEquals("NOT_FOUND", json(gone).get("error").asText());
    assertTrue(gone.headers().firstValue("X-Ringkv-Context").isPresent(), "a deleted key still has a context");
  }

  @Test
  @Order(2)
  void blindWritesAreSiblingsAnsweredAsMultipartAndAContextResolvesThem() throws Exception {
    assertEquals(201, send(0, "PUT", "/kv/cart", utf8("apple")).statusCode());
    assertEquals(200, send(1, "PUT", "/kv/cart", utf8("pear")).statusCode(), "a blind write on a live key");
    HttpResponse<byte[]> siblings = send(2, "GET", "/kv/cart", null);
    assertEquals(300, siblings.statusCode());
    assertEquals(Set.of("apple", "pear"), new HashSet<>(parts(siblings)));

    HttpResponse<byte[]> resolved = send(2, "PUT", "/kv/cart", utf8("apple,pear"),
        "X-Ringkv-Context", siblings.headers().firstValue("X-Ringkv-Context").orElseThrow());
    assertEquals(200, resolved.statusCode());
    HttpResponse<byte[]> one = send(0, "GET", "/kv/cart", null);
    assertEquals(200, one.statusCode());
    assertEquals("apple,pear", text(one));

    HttpResponse<byte[]> over = send(1, "PUT", "/kv/cart?overwrite=true", utf8("kiwi"));
    assertEquals(200, over.statusCode());
    HttpResponse<byte[]> after = send(2, "GET", "/kv/cart", null);
    assertEquals(200, after.statusCode(), "overwrite=true read the context first: no sibling");
    assertEquals("kiwi", text(after));
  }

  @Test
  @Order(3)
  void seedAliasesReadWriteUpdateDelete() throws Exception {
    assertEquals(201, send(0, "POST", "/write", utf8("{\"key\":\"seed\",\"value\":\"one\"}")).statusCode());
    assertEquals(200, send(1, "POST", "/update", utf8("{\"key\":\"seed\",\"value\":\"two\"}")).statusCode());
    HttpResponse<byte[]> read = send(2, "GET", "/read/seed", null);
    assertEquals(200, read.statusCode(), "update read the context first");
    assertEquals("two", text(read));
    HttpResponse<byte[]> refused = send(0, "GET", "/delete/seed", null);
    assertEquals(405, refused.statusCode());
    assertTrue(json(refused).get("message").asText().contains("a GET never changes data"));
    assertEquals(200, send(0, "GET", "/read/seed", null).statusCode(), "the refused GET deleted nothing");
    assertEquals(204, send(1, "POST", "/delete/seed", null).statusCode(), "no context: the delete reads it first");
    assertEquals(404, send(2, "GET", "/read/seed", null).statusCode());
    HttpResponse<byte[]> bad = send(0, "POST", "/write", utf8("{\"key\":1}"));
    assertEquals(400, bad.statusCode());
  }

  @Test
  @Order(4)
  void everyErrorIsJsonWithItsStatus() throws Exception {
    String longKey = "k".repeat(1025);
    HttpResponse<byte[]> badKey = send(0, "PUT", "/kv/" + longKey, utf8("v"));
    assertEquals(400, badKey.statusCode());
    assertEquals("BAD_REQUEST", json(badKey).get("error").asText());
    assertTrue(json(badKey).get("message").asText().contains("keyBytesMax"), text(badKey));

    assertEquals(400, send(0, "GET", "/kv/a?r=0", null).statusCode());
    assertEquals(400, send(0, "GET", "/kv/a?r=x", null).statusCode());
    HttpResponse<byte[]> quorum = send(0, "GET", "/kv/a?r=4", null);
    assertEquals(400, quorum.statusCode());
    assertTrue(json(quorum).get("message").asText().contains("R=4 is out of range"), text(quorum));
    assertEquals(400, send(0, "PUT", "/kv/a", utf8("v"), "X-Ringkv-Context", "not base64!").statusCode());
    HttpResponse<byte[]> badContext = send(0, "PUT", "/kv/a", utf8("v"), "X-Ringkv-Context", "AAAA");
    assertEquals(400, badContext.statusCode(), text(badContext));

    HttpResponse<byte[]> oversize = send(0, "PUT", "/kv/big", new byte[(1 << 20) + 1]);
    assertEquals(413, oversize.statusCode());
    assertEquals("LIMIT_EXCEEDED", json(oversize).get("error").asText());
    assertTrue(json(oversize).get("message").asText().contains("over the limit of 1048576 bytes"), text(oversize));
    // (this test store's chunk layout, sized for 256-byte values, takes about 150 KB at most)
    HttpResponse<byte[]> large = send(0, "PUT", "/kv/big", new byte[100_000]);
    assertEquals(201, large.statusCode(), "a large value under the limit is stored: " + text(large));

    HttpResponse<byte[]> method = send(0, "PATCH", "/kv/a", utf8("v"));
    assertEquals(405, method.statusCode());
    assertTrue(method.headers().firstValue("allow").orElseThrow().contains("PUT"));
    assertEquals(405, send(0, "POST", "/cluster", null).statusCode());
    assertEquals(404, send(0, "GET", "/nope", null).statusCode());
    assertEquals("NOT_FOUND", json(send(0, "GET", "/nope", null)).get("error").asText());
  }

  @Test
  @Order(5)
  void keysPagesThroughTheWholeRingAndOneNode() throws Exception {
    Set<String> written = new TreeSet<>();
    for (int i = 0; i < 40; i++) {
      String k = "page-" + i;
      assertEquals(201, send(i % 3, "PUT", "/kv/" + k, utf8("v" + i)).statusCode());
      written.add(k);
    }
    List<String> seen = new ArrayList<>();
    String after = null;
    for (int page = 0; page < 100; page++) {
      HttpResponse<byte[]> r = send(page % 3, "GET", "/keys?limit=7" + (after == null ? "" : "&after=" + after), null);
      assertEquals(200, r.statusCode(), text(r));
      JsonNode body = json(r);
      body.get("keys").forEach(k -> seen.add(k.asText()));
      assertTrue(body.get("keys").size() <= 7);
      assertEquals(0, body.get("unanswered").size(), text(r));
      if (!body.get("more").asBoolean()) {
        break;
      }
      after = body.get("next").asText();
    }
    assertEquals(new ArrayList<>(new TreeSet<>(seen)), seen, "sorted, no key twice");
    assertTrue(seen.containsAll(written), "every written key listed: " + seen);
    HttpResponse<byte[]> one = send(0, "GET", "/nodes/n2/keys?limit=10000", null);
    assertEquals(200, one.statusCode());
    Set<String> onN2 = new HashSet<>();
    json(one).get("keys").forEach(k -> onN2.add(k.asText()));
    assertTrue(onN2.containsAll(written), "N=3 of 3 nodes: n2 holds every key");
    assertEquals(400, send(0, "GET", "/nodes/n9/keys", null).statusCode());
    // the native protocol's KEYS, through the Java client: the same walk
    Set<String> viaClient = new HashSet<>();
    io.ringkv.client.KeysPage native1 = cluster.client(1).blocking().keys(null, null, 10_000);
    native1.keys().forEach(k -> viaClient.add(new String(k, StandardCharsets.UTF_8)));
    assertEquals(new HashSet<>(seen), viaClient);
    assertFalse(native1.more());
    assertEquals(2, cluster.client(2).blocking().keys("n1", null, 2).keys().size());
    HttpResponse<byte[]> alias = send(1, "GET", "/read?limit=3", null);
    assertEquals(3, json(alias).get("keys").size());
  }

  @Test
  @Order(6)
  void clusterHealthAndMetricsInBothFormats() throws Exception {
    JsonNode c = json(send(1, "GET", "/cluster", null));
    assertEquals(3, c.get("n").asInt());
    assertEquals(3, c.get("nodes").size());
    for (JsonNode n : c.get("nodes")) {
      assertEquals("UP", n.get("status").asText());
      assertTrue(n.get("live").asBoolean());
      assertTrue(n.get("ownership").asDouble() > 0);
      assertTrue(n.get("address").asText().startsWith("127.0.0.1:"));
    }
    assertEquals(200, send(0, "GET", "/health/live", null).statusCode());
    assertEquals("ready", json(send(0, "GET", "/health/ready", null)).get("status").asText());

    JsonNode stats = json(send(2, "GET", "/cluster/stats", null));
    assertEquals(3, stats.get("nodes").size(), "any node gathers every node's figures");
    assertTrue(stats.get("nodes").get(0).get("ops").get("put").get("count").asLong() >= 0);

    HttpResponse<byte[]> asJson = send(0, "GET", "/metrics", null);
    assertTrue(json(asJson).get("timers").has("ringkv.coordinator.put"));
    for (HttpResponse<byte[]> scrape : List.of(send(0, "GET", "/metrics", null, "Accept", "text/plain"),
        send(0, "GET", "/metrics?format=prometheus", null))) {
      assertEquals(200, scrape.statusCode(), text(scrape));
      assertTrue(scrape.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
      PrometheusTextCheck.Scrape parsed = PrometheusTextCheck.parse(text(scrape));
      assertEquals("summary", parsed.types().get("ringkv_coordinator_seconds"));
      assertNotNull(parsed.sample("ringkv_coordinator_seconds_count", "op", "put"), text(scrape));
      assertTrue(parsed.sample("ringkv_coordinator_seconds_count", "op", "put") > 0);
      assertEquals("counter", parsed.types().get("ringkv_errors_total"));
      assertTrue(parsed.sample("ringkv_errors_total", "code", "bad_request") > 0, "the 400s above are counted");
      assertNotNull(parsed.sample("ringkv_hints_pending"));
    }
    assertEquals(400, send(0, "GET", "/metrics?format=xml", null).statusCode());
  }

  @Test
  @Order(7)
  void garbageAndMalformedHttpOnThePortLeaveTheNodeServing() throws Exception {
    int port = cluster.httpUri(0).getPort();
    for (byte[] junk : List.of(new byte[] {0, 1, 2, 3, (byte) 0xff, '\r', '\n', '\r', '\n'},
        utf8("GET /kv/a HTTP/1.1\r\nthis is not a header\r\n\r\n"),
        utf8("BREW /coffee HTCPCP/1.0\r\n\r\n"))) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(junk);
        out.flush();
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(answer.startsWith("HTTP/1.1 400") || answer.startsWith("HTTP/1.1 405")
            || answer.startsWith("HTTP/1.1 404"), answer);
      }
    }
    HttpResponse<byte[]> ok = send(0, "GET", "/health/live", null);
    assertEquals(200, ok.statusCode(), "the node keeps serving");
    assertEquals(201, send(0, "PUT", "/kv/after-garbage", utf8("v")).statusCode());
  }

  @Test
  @Order(8)
  void aQuorumOutOfReachIs503ForReadsAnd504ForWritesAndTheDeadNodeShowsDown() throws Exception {
    cluster.stop(2);
    HttpResponse<byte[]> read = send(0, "GET", "/kv/cart?r=3&timeout_ms=500", null);
    assertEquals(503, read.statusCode(), text(read));
    assertEquals("UNAVAILABLE", json(read).get("error").asText());
    HttpResponse<byte[]> write = send(0, "PUT", "/kv/cart?w=3&timeout_ms=500", utf8("x"));
    assertEquals(504, write.statusCode(), text(write));
    assertEquals("INDETERMINATE", json(write).get("error").asText());
    LoopbackCluster.awaitCondition(() -> {
      try {
        for (JsonNode n : json(send(0, "GET", "/cluster", null)).get("nodes")) {
          if (n.get("id").asText().equals("n3")) {
            return n.get("status").asText().equals("DOWN") && !n.get("live").asBoolean();
          }
        }
        return false;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, 30_000, "n3 shown DOWN in /cluster");
    JsonNode keys = json(send(0, "GET", "/keys?limit=5", null));
    assertEquals("n3", keys.get("unanswered").get(0).asText(), "a down node is named, not waited for");
  }
}
