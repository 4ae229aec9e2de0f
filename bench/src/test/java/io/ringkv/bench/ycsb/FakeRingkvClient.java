package io.ringkv.bench.ycsb;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientListener;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.DeleteResult;
import io.ringkv.client.GetResult;
import io.ringkv.client.KeysPage;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.PutResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.client.VerifyResult;
import io.ringkv.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A one-thread stand-in for a cluster at the binding's seam: each key holds one value and a context
 * naming its version ({@code "v3"}); every call is recorded as a line ({@code "put user1 ctx=v3"},
 * {@code "ctx=-"} for none), and the next call of an operation can be made to fail with a code.
 */
final class FakeRingkvClient implements RingkvClient {
  final List<String> calls = new ArrayList<>();
  private final Map<String, byte[]> values = new HashMap<>();
  private final Map<String, ErrorCode> failNext = new HashMap<>();
  private int version;
  private final BlockingRingkvClient blocking = new Blocking();

  /** The next {@code op} ("get", "put" or "delete") throws a {@link RingkvException} with {@code code}. */
  void failNext(String op, ErrorCode code) {
    failNext.put(op, code);
  }

  private static String ctx(CausalContext c) {
    return c.isNone() ? "-" : new String(c.bytes(), StandardCharsets.UTF_8);
  }

  private void call(String op, String key, String detail) {
    calls.add(op + " " + key + detail);
    ErrorCode code = failNext.remove(op);
    if (code != null) {
      throw new RingkvException(code, op + " failed: " + code);
    }
  }

  private CausalContext next() {
    return CausalContext.of(("v" + ++version).getBytes(StandardCharsets.UTF_8));
  }

  private final class Blocking implements BlockingRingkvClient {
    private final Map<String, CausalContext> contexts = new HashMap<>();

    @Override
    public GetResult get(byte[] key, RequestOptions options) {
      String k = new String(key, StandardCharsets.UTF_8);
      call("get", k, "");
      byte[] v = values.get(k);
      return v == null ? new GetResult(List.of(), CausalContext.NONE, 1)
          : new GetResult(List.of(v), contexts.get(k), 1);
    }

    @Override
    public PutResult put(byte[] key, byte[] value, CausalContext context, RequestOptions options) {
      String k = new String(key, StandardCharsets.UTF_8);
      call("put", k, " ctx=" + ctx(context));
      boolean created = !values.containsKey(k);
      values.put(k, value);
      CausalContext c = next();
      contexts.put(k, c);
      return new PutResult(created, 1, c);
    }

    @Override
    public DeleteResult delete(byte[] key, CausalContext context, RequestOptions options) {
      String k = new String(key, StandardCharsets.UTF_8);
      call("delete", k, " ctx=" + ctx(context));
      contexts.remove(k);
      return new DeleteResult(values.remove(k) != null, 1);
    }

    @Override
    public PutResult set(byte[] key, byte[] value, RequestOptions options) {
      throw new UnsupportedOperationException("the binding does not call set");
    }

    @Override
    public DeleteResult remove(byte[] key, RequestOptions options) {
      throw new UnsupportedOperationException("the binding does not call remove");
    }

    @Override
    public ClusterInfo info() {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ClusterInfo.ReplicaState> where(byte[] key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public VerifyResult verify() {
      throw new UnsupportedOperationException();
    }

    @Override
    public KeysPage keys(String nodeId, byte[] after, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String removeNode(String nodeId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String leave() {
      throw new UnsupportedOperationException();
    }

    @Override
    public String leave(String nodeId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String stopNode(String nodeId) {
      throw new UnsupportedOperationException();
    }
  }

  @Override
  public BlockingRingkvClient blocking() {
    return blocking;
  }

  private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> call) {
    try {
      return CompletableFuture.completedFuture(call.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<GetResult> get(byte[] key, RequestOptions options) {
    return async(() -> blocking.get(key, options));
  }

  @Override
  public CompletableFuture<PutResult> put(byte[] key, byte[] value, CausalContext context, RequestOptions options) {
    return async(() -> blocking.put(key, value, context, options));
  }

  @Override
  public CompletableFuture<DeleteResult> delete(byte[] key, CausalContext context, RequestOptions options) {
    return async(() -> blocking.delete(key, context, options));
  }

  @Override
  public CompletableFuture<PutResult> set(byte[] key, byte[] value, RequestOptions options) {
    return async(() -> blocking.set(key, value, options));
  }

  @Override
  public CompletableFuture<DeleteResult> remove(byte[] key, RequestOptions options) {
    return async(() -> blocking.remove(key, options));
  }

  @Override
  public CompletableFuture<ClusterInfo> info() {
    return async(blocking::info);
  }

  @Override
  public CompletableFuture<List<ClusterInfo.ReplicaState>> where(byte[] key) {
    return async(() -> blocking.where(key));
  }

  @Override
  public CompletableFuture<KeysPage> keys(String nodeId, byte[] after, int limit) {
    return async(() -> blocking.keys(nodeId, after, limit));
  }

  @Override
  public CompletableFuture<VerifyResult> verify() {
    return async(blocking::verify);
  }

  @Override
  public CompletableFuture<String> removeNode(String nodeId) {
    return async(() -> blocking.removeNode(nodeId));
  }

  @Override
  public CompletableFuture<String> leave() {
    return async(blocking::leave);
  }

  @Override
  public CompletableFuture<String> leave(String nodeId) {
    return async(() -> blocking.leave(nodeId));
  }

  @Override
  public CompletableFuture<String> stopNode(String nodeId) {
    return async(() -> blocking.stopNode(nodeId));
  }

  @Override
  public NodeAddress currentNode() {
    return new NodeAddress("127.0.0.1", 7001);
  }

  @Override
  public ClusterInfo lastInfo() {
    return null;
  }

  @Override
  public void addListener(ClientListener listener) {}

  boolean closed;

  @Override
  public void close() {
    closed = true;
  }
}
