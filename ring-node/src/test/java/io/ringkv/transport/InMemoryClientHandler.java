package io.ringkv.transport;

import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.protocol.ClientMessages.WhereRequest;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A stand-in for a node's core in transport and client tests: one in-memory map with a toy causal
 * context (a version number). A write whose context names the current version replaces the values;
 * any other write adds a sibling, as a blind write does in ringkv.
 *
 * <p>Scripted keys: {@code "hang..."} is never answered (and its request is offered to {@link #hung}),
 * {@code "big..."} is refused with LIMIT_EXCEEDED, LEAVE is never answered (offered to {@link #hung}). {@link #hangInfo} makes INFO go unanswered.
 */
public final class InMemoryClientHandler implements ClientRequestHandler {
  private record Entry(List<byte[]> values, long version) {}

  private final String nodeId;
  private final ConcurrentHashMap<String, Entry> data = new ConcurrentHashMap<>();
  private final AtomicLong versions = new AtomicLong();
  public volatile List<NodeInfo> nodes = List.of();
  public volatile List<String> warnings = List.of();
  public volatile boolean hangInfo;
  /** Replicas alive for every key: a GET, PUT or DELETE asking for more is refused UNAVAILABLE with the numbers. */
  public volatile int alive = Integer.MAX_VALUE;
  /** Every request received but heartbeats (INFO), in order. */
  public final List<Request> received = new java.util.concurrent.CopyOnWriteArrayList<>();
  public final BlockingQueue<Hung> hung = new LinkedBlockingQueue<>();

  /** A request left unanswered, with the callback a test may still answer it through. */
  public record Hung(Request request, Consumer<Reply> reply) {}

  public InMemoryClientHandler(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public void onRequest(Request request, Consumer<Reply> reply) {
    if (!(request instanceof InfoRequest)) {
      received.add(request);
    }
    int asked = request instanceof GetRequest g ? g.r() : request instanceof PutRequest p ? p.w()
        : request instanceof DeleteRequest d ? d.w() : -1;
    if (asked >= 0 && (asked == 0 ? 2 : asked) > alive) {
      int required = asked == 0 ? 2 : asked;
      reply.accept(new ErrorReply(request.requestId(), ErrorCode.UNAVAILABLE,
          alive + " of " + required + " required replicas reachable", required, alive));
      return;
    }
    if (request instanceof GetRequest g) {
      String key = key(g.key());
      if (hang(key, request, reply)) {
        return;
      }
      Entry e = data.get(key);
      reply.accept(e == null
          ? new GetReply(g.requestId(), List.of(), null, 1)
          : new GetReply(g.requestId(), e.values(), context(e.version()), 1));
    } else if (request instanceof PutRequest p) {
      String key = key(p.key());
      if (hang(key, request, reply)) {
        return;
      }
      if (key.startsWith("indeterminate")) {
        reply.accept(new ErrorReply(p.requestId(), ErrorCode.INDETERMINATE, "1 of 2 required replicas acknowledged"));
        return;
      }
      if (key.startsWith("big")) {
        reply.accept(new ErrorReply(p.requestId(), ErrorCode.LIMIT_EXCEEDED,
            "value of " + p.value().length + " bytes exceeds valueBytesMax 16"));
        return;
      }
      long[] created = new long[1];
      Entry now = data.compute(key, (k, old) -> {
        created[0] = old == null || old.values().isEmpty() ? 1 : 0;
        List<byte[]> values = new ArrayList<>();
        if (old != null && !Arrays.equals(p.context(), context(old.version()))) {
          values.addAll(old.values());
        }
        values.add(p.value());
        return new Entry(List.copyOf(values), versions.incrementAndGet());
      });
      reply.accept(new PutReply(p.requestId(), created[0] == 1, 1, context(now.version())));
    } else if (request instanceof DeleteRequest d) {
      Entry old = data.remove(key(d.key()));
      reply.accept(new DeleteReply(d.requestId(), old != null && !old.values().isEmpty(), 1));
    } else if (request instanceof InfoRequest i) {
      if (!hangInfo) {
        reply.accept(new InfoReply(i.requestId(), nodeId, "test", 3, 2, 2, "utf8", nodes, warnings));
      }
    } else if (request instanceof WhereRequest w) {
      Entry e = data.get(key(w.key()));
      List<byte[]> values = e == null ? List.of() : e.values();
      reply.accept(new WhereReply(w.requestId(),
          List.of(new ReplicaView(nodeId, "127.0.0.1", 1, "primary", true, values, 0),
              new ReplicaView("down-node", "127.0.0.1", 2, "fallback for n9", false, List.of(), 0))));
    } else if (request instanceof io.ringkv.protocol.ClientMessages.LeaveRequest) {
      hung.add(new Hung(request, reply)); // a decommission streams for a while: the test answers by hand
    } else {
      reply.accept(new ErrorReply(request.requestId(), ErrorCode.BAD_REQUEST, "unexpected " + request));
    }
  }

  private boolean hang(String key, Request request, Consumer<Reply> reply) {
    if (key.startsWith("hang")) {
      hung.add(new Hung(request, reply));
      return true;
    }
    return false;
  }

  private static String key(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  private static byte[] context(long version) {
    return ByteBuffer.allocate(8).putLong(version).array();
  }
}
