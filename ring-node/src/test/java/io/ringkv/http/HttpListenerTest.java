package io.ringkv.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.ringkv.transport.netty.NettyNetwork;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's bounds on a real socket, with a handler that answers from another thread as the node
 * does (or holds the answer back): slow, oversize, malformed and garbage requests, pipelining over its
 * bound, too many connections; after each, the listener keeps serving.
 */
class HttpListenerTest {
  private final NettyNetwork network = new NettyNetwork("http-test", 2, 2_000);
  private final List<Consumer<io.netty.handler.codec.http.FullHttpResponse>> held = new CopyOnWriteArrayList<>();
  private volatile boolean hold;
  private HttpListener listener;

  private int start(HttpConfig config) {
    listener = new HttpListener(network, config, "127.0.0.1", 0, (request, source, respond) -> {
      String uri = request.uri();
      if (hold) {
        held.add(respond);
        return;
      }
      new Thread(() -> respond.accept(HttpApi.error(HttpResponseStatus.OK, "OK", uri))).start();
    }).start();
    return listener.boundPort();
  }

  @AfterEach
  void stop() {
    if (listener != null) {
      listener.close();
    }
    network.close();
  }

  private static String exchange(int port, String raw) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static int get(int port, String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  @Test
  void aRequestThatArrivesTooSlowlyIs408AndClosed() throws Exception {
    int port = start(HttpConfig.DEFAULTS.withRequestReadTimeoutMs(300));
    String answer = exchange(port, "PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
    assertTrue(answer.contains("\"error\":\"TIMEOUT\""), answer);
    assertEquals(200, get(port, "/after"));
  }

  @Test
  void anOversizeBodyIs413AsJsonAndTheConnectionStaysUsable() throws Exception {
    int port = start(HttpConfig.DEFAULTS.withMaxContentBytes(100));
    String body = "x".repeat(101);
    String answer = exchange(port, "PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + body
        + "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
    assertTrue(answer.contains("\"error\":\"LIMIT_EXCEEDED\""), answer);
    assertTrue(answer.contains("HTTP/1.1 200") && answer.contains("/next"), "answered after, in order: " + answer);
    String chunked = exchange(port, "PUT /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + "65\r\n" + body + "\r\n0\r\n\r\n");
    assertTrue(chunked.startsWith("HTTP/1.1 413"), chunked);
  }

  @Test
  void malformedRequestsAndGarbageAre400sAndTheListenerKeepsServing() throws Exception {
    int port = start(HttpConfig.DEFAULTS);
    assertTrue(exchange(port, "\u0000\u0001\u00ff garbage\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(exchange(port, "GET /a HTTP/1.1\r\nno colon here\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(exchange(port, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 414"));
    assertTrue(exchange(port, "GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100 * 1024) + "\r\n\r\n")
        .startsWith("HTTP/1.1 431"));
    assertEquals(200, get(port, "/still-serving"));
    assertTrue(listener.refused() >= 4);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderAndMoreThanTheBoundIs429() throws Exception {
    int port = start(HttpConfig.DEFAULTS);
    StringBuilder five = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      five.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: x\r\n").append(i == 4 ? "Connection: close\r\n" : "")
          .append("\r\n");
    }
    String answer = exchange(port, five.toString());
    int at = 0;
    for (int i = 0; i < 5; i++) {
      int next = answer.indexOf("/p" + i, at);
      assertTrue(next > at, "answer " + i + " in order: " + answer);
      at = next;
    }
    hold = true;
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < HttpConfig.DEFAULTS.maxPipelinedRequests() + 2; i++) {
      many.append("GET /q").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    String refused = exchange(port, many.toString());
    assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
    hold = false;
  }

  @Test
  void connectionsOverTheBoundAre503() throws Exception {
    HttpConfig two = new HttpConfig(1 << 20, 8192, 96 * 1024, 2, 16, 10_000, 60_000);
    int port = start(two);
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        s.setSoTimeout(20_000);
        assertEquals('H', in.read(), "connection " + i + " served");
        open.add(s);
      }
      String third = exchange(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(third.startsWith("HTTP/1.1 503"), third);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
