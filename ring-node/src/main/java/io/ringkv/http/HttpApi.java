package io.ringkv.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.KeysReply;
import io.ringkv.protocol.ClientMessages.KeysRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.NodeStats;
import io.ringkv.protocol.ClientMessages.OpStats;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.StatsReply;
import io.ringkv.protocol.ClientMessages.StatsRequest;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.security.Authenticator;
import io.ringkv.security.Permissions;
import io.ringkv.security.Role;
import io.ringkv.transport.ClientRequestHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * What the HTTP routes mean (docs/http.md). Every data request becomes the native protocol's request
 * and goes to the node's {@link ClientRequestHandler}, the same entry as a native client's frame
 * ({@code RingNode.onRequest}): the same coordinators, quorums, limits and key-format checks. Nothing
 * here blocks: a request is handed on, and the response is built when the reply arrives.
 *
 * <p>Riak's HTTP shape with ringkv's causal context: {@code GET /kv/{key}} answers 200 with the value,
 * 300 multipart/mixed with one part per sibling, or 404; every answer carries the context in
 * {@code X-Ringkv-Context} (base64). {@code PUT} without a context is a blind write (a sibling) unless
 * {@code ?overwrite=true}, which reads the context first; {@code DELETE} without a context reads it first
 * (a blind delete would delete nothing). Values are stored as bytes: the storage model has no field for
 * a content type, so every value is served as {@code application/octet-stream}.
 */
public final class HttpApi implements HttpListener.Handler {
  public static final String CONTEXT_HEADER = "X-Ringkv-Context";
  public static final String REPLICAS_HEADER = "X-Ringkv-Replicas";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCTETS = "application/octet-stream";
  private static final String JSON_TYPE = "application/json; charset=utf-8";

  private final ClientRequestHandler node;
  private final MetricsExposition metrics;
  private final byte[] dashboard;
  private final AtomicLong requestIds = new AtomicLong();
  /** Checks Basic-auth logins when the node runs with {@code --auth on}; null: every request may do anything. */
  private final Authenticator auth;
  /** Whether a password may arrive here: the listener is HTTPS, or the node allows plaintext passwords. */
  private final boolean passwordsAllowed;

  public HttpApi(ClientRequestHandler node, MetricsExposition metrics) {
    this(node, metrics, null, false);
  }

  /**
   * @param auth the node's authenticator, or null when {@code --auth off}
   * @param passwordsAllowed the listener is HTTPS, or the node runs with {@code --allow-plaintext-auth}
   */
  public HttpApi(ClientRequestHandler node, MetricsExposition metrics, Authenticator auth, boolean passwordsAllowed) {
    this.node = node;
    this.metrics = metrics;
    this.dashboard = resource("dashboard.html");
    this.auth = auth;
    this.passwordsAllowed = passwordsAllowed;
  }

  private static byte[] resource(String name) {
    try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A request's parts, decoded once.
   *
   * @param role the logged-in user's role, or null when the node runs without authentication
   */
  private record Call(HttpMethod method, List<String> path, Map<String, List<String>> params, FullHttpRequest raw,
      Consumer<FullHttpResponse> respond, Role role) {
    String param(String name) {
      List<String> v = params.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    String segment(int i) {
      return i < path.size() ? path.get(i) : null;
    }
  }

  /** A query parameter or header that does not parse. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void handle(FullHttpRequest request, String source, Consumer<FullHttpResponse> respond) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    List<String> path = new ArrayList<>();
    // split the raw path, then decode each segment: a key may hold an encoded '/'
    try {
      for (String s : uri.rawPath().split("/", -1)) {
        if (!s.isEmpty()) {
          path.add(QueryStringDecoder.decodeComponent(s, StandardCharsets.UTF_8));
        }
      }
    } catch (IllegalArgumentException e) {
      respond.accept(error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", "bad request: " + e.getMessage()));
      return;
    }
    // the probes of load balancers and Kubernetes stay open; everything else needs a user with --auth on
    boolean open = auth == null || (!path.isEmpty() && path.get(0).equals("health"));
    if (open) {
      dispatch(new Call(request.method(), path, uri.parameters(), request, respond, null));
      return;
    }
    String[] login = basicCredentials(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    if (login == null) {
      respond.accept(unauthenticated("authentication required: send a user and password (HTTP Basic auth)"));
      return;
    }
    if (!passwordsAllowed) {
      respond.accept(unauthenticated("this node takes passwords over TLS only (no --allow-plaintext-auth):"
          + " use https:// (--tls client or all)"));
      return;
    }
    auth.authenticate(source, login[0], login[1]).whenComplete((outcome, failure) -> {
      if (failure != null || outcome == null || !outcome.ok()) {
        respond.accept(unauthenticated(outcome == null ? "login failed: " + failure : outcome.refusal()));
      } else {
        dispatch(new Call(request.method(), path, uri.parameters(), request, respond, outcome.role()));
      }
    });
  }

  private void dispatch(Call call) {
    try {
      route(call);
    } catch (BadRequest e) {
      call.respond().accept(error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", e.getMessage()));
    } catch (IllegalArgumentException e) {
      call.respond().accept(error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", "bad request: " + e.getMessage()));
    }
  }

  /** {@code Basic base64(user:password)} as {user, password}, or null when absent or not Basic. */
  static String[] basicCredentials(String header) {
    if (header == null || header.length() < 6 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  /** 401 with the challenge a browser answers with its login box (the dashboard behind --auth on). */
  private static FullHttpResponse unauthenticated(String message) {
    FullHttpResponse r = error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHENTICATED.name(), message);
    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"ringkv\", charset=\"UTF-8\"");
    return r;
  }

  private void route(Call c) {
    String first = c.segment(0);
    int n = c.path().size();
    HttpMethod m = c.method();
    if (first == null) {
      if (only(c, HttpMethod.GET)) {
        FullHttpResponse r = bytes(HttpResponseStatus.OK, "text/html; charset=utf-8", dashboard);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        c.respond().accept(r);
      }
      return;
    }
    switch (first) {
      case "kv" -> {
        if (n != 2) {
          notFound(c);
        } else if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
          get(c, key(c.segment(1)));
        } else if (m.equals(HttpMethod.PUT) || m.equals(HttpMethod.POST)) {
          put(c, key(c.segment(1)), body(c), "true".equals(c.param("overwrite")), context(c));
        } else if (m.equals(HttpMethod.DELETE)) {
          delete(c, key(c.segment(1)), context(c));
        } else {
          methodNotAllowed(c, "GET, HEAD, PUT, POST, DELETE", m + " is not a method of /kv/{key}");
        }
      }
      case "read" -> { // seed 003: GET /read lists the keys, GET /read/{key} reads one
        if (n == 1 && only(c, HttpMethod.GET)) {
          keys(c, null);
        } else if (n == 2 && only(c, HttpMethod.GET)) {
          get(c, key(c.segment(1)));
        } else if (n > 2) {
          notFound(c);
        }
      }
      case "write", "update" -> { // seed 003: POST {"key":..,"value":..}; update reads the context first
        if (n == 1 && only(c, HttpMethod.POST, HttpMethod.PUT)) {
          JsonNode doc = jsonBody(c);
          JsonNode k = doc.get("key");
          JsonNode v = doc.get("value");
          if (k == null || !k.isTextual() || v == null || !v.isTextual()) {
            throw new BadRequest("the body must be a JSON object {\"key\": string, \"value\": string}");
          }
          put(c, k.asText().getBytes(StandardCharsets.UTF_8), v.asText().getBytes(StandardCharsets.UTF_8),
              first.equals("update"), context(c));
        } else if (n != 1) {
          notFound(c);
        }
      }
      case "delete" -> { // seed 003's GET /delete/{key} is refused: a GET never changes data
        if (n != 2) {
          notFound(c);
        } else if (m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.POST)) {
          delete(c, key(c.segment(1)), context(c));
        } else {
          methodNotAllowed(c, "DELETE, POST", m.equals(HttpMethod.GET)
              ? "a GET never changes data: use DELETE /kv/{key} or DELETE (or POST) /delete/{key}"
              : m + " is not a method of /delete/{key}");
        }
      }
      case "keys" -> {
        if (n == 1 && only(c, HttpMethod.GET)) {
          keys(c, null);
        } else if (n != 1) {
          notFound(c);
        }
      }
      case "nodes" -> {
        if (n == 3 && "keys".equals(c.segment(2))) {
          if (only(c, HttpMethod.GET)) {
            keys(c, c.segment(1));
          }
        } else {
          notFound(c);
        }
      }
      case "cluster" -> {
        if (n == 1 && only(c, HttpMethod.GET)) {
          cluster(c);
        } else if (n == 2 && "stats".equals(c.segment(1)) && only(c, HttpMethod.GET)) {
          stats(c);
        } else if (n > 2 || (n == 2 && !"stats".equals(c.segment(1)))) {
          notFound(c);
        }
      }
      case "health" -> {
        if (n == 2 && "live".equals(c.segment(1))) {
          if (only(c, HttpMethod.GET, HttpMethod.HEAD)) {
            c.respond().accept(json(HttpResponseStatus.OK, JSON.createObjectNode().put("status", "live")));
          }
        } else if (n == 2 && "ready".equals(c.segment(1))) {
          if (only(c, HttpMethod.GET, HttpMethod.HEAD)) {
            ready(c);
          }
        } else {
          notFound(c);
        }
      }
      case "metrics" -> {
        if (n == 1 && only(c, HttpMethod.GET)) {
          c.respond().accept(metrics.respond(c.raw().headers().get(HttpHeaderNames.ACCEPT), c.param("format")));
        } else if (n != 1) {
          notFound(c);
        }
      }
      default -> notFound(c);
    }
  }

  /** True when the method is one of {@code allowed}; otherwise answers 405 and returns false. */
  private static boolean only(Call c, HttpMethod... allowed) {
    for (HttpMethod a : allowed) {
      if (a.equals(c.method())) {
        return true;
      }
    }
    StringBuilder names = new StringBuilder();
    for (HttpMethod a : allowed) {
      names.append(names.length() == 0 ? "" : ", ").append(a.name());
    }
    methodNotAllowed(c, names.toString(), c.method() + " is not allowed on /" + String.join("/", c.path())
        + " (allowed: " + names + ")");
    return false;
  }

  private static void methodNotAllowed(Call c, String allow, String message) {
    FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", message);
    r.headers().set(HttpHeaderNames.ALLOW, allow);
    c.respond().accept(r);
  }

  private static void notFound(Call c) {
    c.respond().accept(error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND",
        "no route /" + String.join("/", c.path()) + " (see docs/http.md)"));
  }

  private static byte[] key(String segment) {
    return segment.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] body(Call c) {
    return ByteBufUtil.getBytes(c.raw().content());
  }

  private static JsonNode jsonBody(Call c) {
    try {
      JsonNode doc = JSON.readTree(body(c));
      if (doc == null || !doc.isObject()) {
        throw new BadRequest("the body must be a JSON object {\"key\": string, \"value\": string}");
      }
      return doc;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new BadRequest("the body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequest("the body is not JSON: " + e.getMessage());
    }
  }

  private static byte[] context(Call c) {
    String h = c.raw().headers().get(CONTEXT_HEADER);
    if (h == null || h.isBlank()) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(h.trim());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(CONTEXT_HEADER + " is not base64: " + e.getMessage());
    }
  }

  private static int intParam(Call c, String name, int min, int max) {
    String v = c.param(name);
    if (v == null || v.isEmpty()) {
      return 0;
    }
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        throw new BadRequest(name + "=" + v + " is out of range " + min + ".." + max);
      }
      return i;
    } catch (NumberFormatException e) {
      throw new BadRequest(name + "=" + v + " is not a number");
    }
  }

  /** Hands the request to the node; {@code onReply} runs on whatever thread answers. */
  private void send(LongFunction<Request> build, Consumer<Reply> onReply) {
    send(null, build, onReply);
  }

  /**
   * As above, checked first against the user's role (the native protocol's {@link Permissions}): a
   * refusal is a 403 with {@code permission denied (admin role required)}.
   */
  private void send(Call c, LongFunction<Request> build, Consumer<Reply> onReply) {
    Request request = build.apply(requestIds.incrementAndGet());
    if (c != null && c.role() != null) {
      Role required = Permissions.required(request);
      if (!c.role().allows(required)) {
        onReply.accept(new ErrorReply(request.requestId(), ErrorCode.PERMISSION_DENIED, Permissions.denied(required)));
        return;
      }
    }
    node.onRequest(request, onReply);
  }

  // ---------------------------------------------------------------- data

  private void get(Call c, byte[] key) {
    int r = intParam(c, "r", 1, 64);
    int timeout = intParam(c, "timeout_ms", 1, 60_000);
    send(c, id -> new GetRequest(id, key, r, timeout), reply -> {
      if (!(reply instanceof GetReply g)) {
        c.respond().accept(failure(reply));
        return;
      }
      FullHttpResponse response;
      if (g.values().isEmpty()) {
        response = error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no value for the key");
      } else if (g.values().size() == 1) {
        response = bytes(HttpResponseStatus.OK, OCTETS, g.values().get(0));
      } else {
        response = multipart(g.values());
      }
      setContext(response, g.context());
      response.headers().set(REPLICAS_HEADER, g.replicas());
      c.respond().accept(response);
    });
  }

  /** Siblings as Riak answers them: 300 Multiple Choices, one multipart/mixed part per sibling. */
  private static FullHttpResponse multipart(List<byte[]> values) {
    String boundary = "ringkv-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);
    ByteBuf body = Unpooled.buffer();
    for (byte[] v : values) {
      body.writeCharSequence("--" + boundary + "\r\nContent-Type: " + OCTETS + "\r\nContent-Length: " + v.length
          + "\r\n\r\n", StandardCharsets.US_ASCII);
      body.writeBytes(v);
      body.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
    }
    body.writeCharSequence("--" + boundary + "--\r\n", StandardCharsets.US_ASCII);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MULTIPLE_CHOICES, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/mixed; boundary=" + boundary);
    return r;
  }

  private void put(Call c, byte[] key, byte[] value, boolean overwrite, byte[] context) {
    int w = intParam(c, "w", 1, 64);
    int timeout = intParam(c, "timeout_ms", 1, 60_000);
    if (overwrite && context == null) {
      int r = intParam(c, "r", 1, 64);
      send(c, id -> new GetRequest(id, key, r, timeout), reply -> {
        if (reply instanceof GetReply g) {
          write(c, key, value, g.context(), w, timeout);
        } else {
          c.respond().accept(failure(reply));
        }
      });
    } else {
      write(c, key, value, context, w, timeout);
    }
  }

  private void write(Call c, byte[] key, byte[] value, byte[] context, int w, int timeout) {
    long writeId = writeId();
    send(c, id -> new PutRequest(id, key, value, context, w, timeout, writeId), reply -> {
      if (!(reply instanceof PutReply p)) {
        c.respond().accept(failure(reply));
        return;
      }
      ObjectNode body = JSON.createObjectNode().put("created", p.created()).put("replicas", p.acks());
      FullHttpResponse response = json(p.created() ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, body);
      setContext(response, p.context());
      response.headers().set(REPLICAS_HEADER, p.acks());
      c.respond().accept(response);
    });
  }

  private void delete(Call c, byte[] key, byte[] context) {
    int w = intParam(c, "w", 1, 64);
    int timeout = intParam(c, "timeout_ms", 1, 60_000);
    if (context == null) {
      int r = intParam(c, "r", 1, 64);
      send(c, id -> new GetRequest(id, key, r, timeout), reply -> {
        if (reply instanceof GetReply g) {
          remove(c, key, g.context(), w, timeout);
        } else {
          c.respond().accept(failure(reply));
        }
      });
    } else {
      remove(c, key, context, w, timeout);
    }
  }

  private void remove(Call c, byte[] key, byte[] context, int w, int timeout) {
    long writeId = writeId();
    send(c, id -> new DeleteRequest(id, key, context, w, timeout, writeId), reply -> {
      if (!(reply instanceof DeleteReply d)) {
        c.respond().accept(failure(reply));
        return;
      }
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
      response.headers().set(REPLICAS_HEADER, d.acks());
      response.headers().set("X-Ringkv-Existed", d.existed());
      c.respond().accept(response);
    });
  }

  /** As the native client: a random non-zero idempotency id per write. */
  private static long writeId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong();
    } while (id == 0);
    return id;
  }

  private static void setContext(FullHttpResponse response, byte[] context) {
    if (context != null && context.length > 0) {
      response.headers().set(CONTEXT_HEADER, Base64.getEncoder().encodeToString(context));
    }
  }

  // ---------------------------------------------------------------- keys, cluster, health

  private void keys(Call c, String nodeId) {
    int limit = intParam(c, "limit", 1, io.ringkv.node.RingNode.KEYS_PAGE_MAX);
    String afterParam = c.param("after");
    byte[] after = afterParam == null ? null : afterParam.getBytes(StandardCharsets.UTF_8);
    send(c, id -> new KeysRequest(id, nodeId, after, limit), reply -> {
      if (!(reply instanceof KeysReply k)) {
        c.respond().accept(failure(reply));
        return;
      }
      ObjectNode body = JSON.createObjectNode();
      if (nodeId != null) {
        body.put("node", nodeId);
      }
      ArrayNode keys = body.putArray("keys");
      for (byte[] key : k.keys()) {
        keys.add(new String(key, StandardCharsets.UTF_8));
      }
      body.put("more", k.more());
      if (k.more() && !k.keys().isEmpty()) {
        body.put("next", new String(k.keys().get(k.keys().size() - 1), StandardCharsets.UTF_8));
      }
      ArrayNode unanswered = body.putArray("unanswered");
      k.unanswered().forEach(unanswered::add);
      c.respond().accept(json(HttpResponseStatus.OK, body));
    });
  }

  private void cluster(Call c) {
    send(c, InfoRequest::new, reply -> {
      if (reply instanceof InfoReply info) {
        c.respond().accept(json(HttpResponseStatus.OK, clusterJson(info)));
      } else {
        c.respond().accept(failure(reply));
      }
    });
  }

  static ObjectNode clusterJson(InfoReply info) {
    ObjectNode body = JSON.createObjectNode()
        .put("cluster", info.clusterName())
        .put("node", info.nodeId())
        .put("n", info.replicationFactor())
        .put("r", info.defaultR())
        .put("w", info.defaultW())
        .put("keyFormat", info.keyFormat());
    ArrayNode nodes = body.putArray("nodes");
    for (NodeInfo m : info.nodes()) {
      nodes.addObject()
          .put("id", m.id())
          .put("address", m.host() + ":" + m.port())
          .put("status", m.status())
          .put("live", !"DOWN".equals(m.status()))
          .put("tokens", m.tokens())
          .put("ownership", m.ownership())
          .put("activity", m.activity());
    }
    ArrayNode warnings = body.putArray("warnings");
    info.warnings().forEach(warnings::add);
    return body;
  }

  /** The dashboard's live figures: every live node's counts and latencies, gathered by this node. */
  private void stats(Call c) {
    send(c, StatsRequest::new, reply -> {
      if (!(reply instanceof StatsReply s)) {
        c.respond().accept(failure(reply));
        return;
      }
      ObjectNode body = JSON.createObjectNode();
      ArrayNode nodes = body.putArray("nodes");
      for (NodeStats ns : s.nodes()) {
        ObjectNode o = nodes.addObject()
            .put("id", ns.nodeId())
            .put("hintsPending", ns.hintsPending())
            .put("inFlight", ns.inFlight())
            .put("readRepairs", ns.readRepairs())
            .put("errors", ns.errors())
            .put("antiEntropyExchanges", ns.antiEntropyExchanges())
            .put("antiEntropyKeysRepaired", ns.antiEntropyKeysRepaired());
        ObjectNode ops = o.putObject("ops");
        for (OpStats op : ns.ops()) {
          ops.putObject(op.op()).put("count", op.count()).put("p50Ms", op.p50Ms()).put("p99Ms", op.p99Ms());
        }
      }
      c.respond().accept(json(HttpResponseStatus.OK, body));
    });
  }

  /** Ready = this node is UP in its own view (joined, not joining or leaving) and its core answers. */
  private void ready(Call c) {
    send(c, InfoRequest::new, reply -> {
      if (!(reply instanceof InfoReply info)) {
        c.respond().accept(failure(reply));
        return;
      }
      String status = "UNKNOWN";
      for (NodeInfo m : info.nodes()) {
        if (m.id().equals(info.nodeId())) {
          status = m.status();
        }
      }
      boolean ready = "UP".equals(status);
      c.respond().accept(json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
          JSON.createObjectNode().put("status", ready ? "ready" : "not ready").put("member", status)));
    });
  }

  // ---------------------------------------------------------------- responses

  /** The HTTP answer to a native error (or an unexpected reply). */
  static FullHttpResponse failure(Reply reply) {
    if (!(reply instanceof ErrorReply e)) {
      return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL",
          "unexpected reply " + reply.getClass().getSimpleName());
    }
    FullHttpResponse r = error(status(e.code()), e.code().name(), e.message());
    if (e.code() == ErrorCode.OVERLOADED) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
    }
    return r;
  }

  static HttpResponseStatus status(ErrorCode code) {
    return switch (code) {
      case BAD_REQUEST, PROTOCOL -> HttpResponseStatus.BAD_REQUEST;
      case LIMIT_EXCEEDED -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
      case STORE_FULL -> HttpResponseStatus.INSUFFICIENT_STORAGE;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case TIMEOUT, INDETERMINATE -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case OVERLOADED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
    };
  }

  /** {@code {"error": CODE, "message": ...}} with the status. */
  public static FullHttpResponse error(HttpResponseStatus status, String code, String message) {
    return json(status, JSON.createObjectNode().put("error", code).put("message", message));
  }

  static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
    try {
      return bytes(status, JSON_TYPE, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static FullHttpResponse bytes(HttpResponseStatus status, String contentType, byte[] body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    return r;
  }
}
