package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientListener;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.DeleteResult;
import io.ringkv.client.GetResult;
import io.ringkv.client.PutResult;
import io.ringkv.client.QuorumUnavailableException;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.VerifyResult;
import io.ringkv.client.RingkvException;
import io.ringkv.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An in-memory {@link RingkvClient} with Dynamo's causality in miniature: every stored value is a
 * sibling with a unique id; a context is the set of sibling ids a read saw; a write replaces exactly the
 * siblings its context saw and keeps the others, so a blind or stale write makes siblings. Records
 * every call; fails calls on demand; fires reconnects and warning changes on the caller's thread.
 */
final class FakeRingkvClient implements RingkvClient {
  record Call(String op, String key, String value, CausalContext context, RequestOptions options) {}

  private record Sibling(long id, String value) {}

  private static final Pattern UUID4 =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

  final List<Call> calls = new ArrayList<>();
  private final Map<String, List<Sibling>> store = new HashMap<>();
  private final Map<String, Queue<RuntimeException>> failures = new HashMap<>();
  private final List<ClientListener> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;
  private volatile NodeAddress current;
  private volatile ClusterInfo info;
  boolean requireUuid4;
  int acks = 2;
  /**
   * Replicas alive for every key: a quorum above it fails with {@link QuorumUnavailableException}, or,
   * with {@link RequestOptions#downgrade()}, is answered by {@code alive} replicas and marked downgraded
   * (the contract of the real client's downgrading retry policy).
   */
  int alive = Integer.MAX_VALUE;
  List<ClusterInfo.ReplicaState> whereAnswer = List.of();
  /** When set, get answers with this future (e.g. one that never completes). */
  CompletableFuture<GetResult> pendingGet;
  /** When set, leave answers with this future (completed by the test when the node has "left"). */
  volatile CompletableFuture<String> pendingLeave;
  /** When set, removeNode answers with this future (a removal still streaming) instead of at once. */
  volatile CompletableFuture<String> pendingRemove;

  FakeRingkvClient(NodeAddress current, ClusterInfo info) {
    this.current = current;
    this.info = info;
  }

  static ClusterInfo info(int n, List<String> warnings, String... upNodes) {
    List<ClusterInfo.Node> nodes = new ArrayList<>();
    for (int i = 0; i < upNodes.length; i++) {
      nodes.add(new ClusterInfo.Node("n" + (i + 1), NodeAddress.parse(upNodes[i]), "UP", 256, 1.0 / upNodes.length));
    }
    return new ClusterInfo("n1", "demo", n, n, n, "uuid4", nodes, warnings);
  }

  // ---- scenario controls -----------------------------------------------------------------------

  /** The next call of {@code op} (get, put, delete, info, where) fails with {@code e}. */
  void failNext(String op, RuntimeException e) {
    failures.computeIfAbsent(op, o -> new ArrayDeque<>()).add(e);
  }

  /** Another client writes {@code value} with {@code context}; returns the new context. */
  CausalContext writeFromElsewhere(String key, String value, CausalContext context) {
    return write(key, value, context).context();
  }

  /** Another client reads the key: its context. */
  CausalContext contextFromElsewhere(String key) {
    return context(store.getOrDefault(key, List.of()));
  }

  List<String> stored(String key) {
    return store.getOrDefault(key, List.of()).stream().map(Sibling::value).toList();
  }

  void reconnect(NodeAddress now, ClusterInfo newInfo) {
    current = now;
    info = newInfo;
    listeners.forEach(l -> l.onReconnected(now, newInfo));
  }

  /** A heartbeat brought {@code newInfo} (no listener fires: its warnings did not change). */
  void heartbeat(ClusterInfo newInfo) {
    info = newInfo;
  }

  void warningsChanged(List<String> warnings) {
    info = new ClusterInfo(info.nodeId(), info.clusterName(), info.replicationFactor(), info.defaultR(),
        info.defaultW(), info.keyFormat(), info.nodes(), warnings);
    listeners.forEach(l -> l.onWarningsChanged(warnings));
  }

  List<Call> calls(String op) {
    return calls.stream().filter(c -> c.op().equals(op)).toList();
  }

  // ---- RingkvClient -------------------------------------------------------------------------------

  @Override
  public CompletableFuture<GetResult> get(byte[] key, RequestOptions options) {
    String k = text(key);
    calls.add(new Call("get", k, null, null, options));
    RuntimeException failure = failure("get", k);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    if (pendingGet != null) {
      return pendingGet;
    }
    int asked = options.r() == 0 ? 2 : options.r();
    if (asked > alive && !options.downgrade()) {
      return CompletableFuture.failedFuture(unavailable(asked));
    }
    List<Sibling> siblings = store.getOrDefault(k, List.of());
    List<byte[]> values = siblings.stream().map(s -> bytes(s.value())).toList();
    return CompletableFuture.completedFuture(asked > alive
        ? new GetResult(values, context(siblings), alive, asked)
        : new GetResult(values, context(siblings), acks));
  }

  @Override
  public CompletableFuture<PutResult> put(byte[] key, byte[] value, CausalContext context, RequestOptions options) {
    String k = text(key);
    calls.add(new Call("put", k, text(value), context, options));
    RuntimeException failure = failure("put", k);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    int asked = options.w() == 0 ? 2 : options.w();
    if (asked > alive && !options.downgrade()) {
      return CompletableFuture.failedFuture(unavailable(asked));
    }
    PutResult r = write(k, text(value), context);
    return CompletableFuture.completedFuture(asked > alive ? new PutResult(r.created(), alive, r.context(), asked) : r);
  }

  @Override
  public CompletableFuture<DeleteResult> delete(byte[] key, CausalContext context, RequestOptions options) {
    String k = text(key);
    calls.add(new Call("delete", k, null, context, options));
    RuntimeException failure = failure("delete", k);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    int asked = options.w() == 0 ? 2 : options.w();
    if (asked > alive && !options.downgrade()) {
      return CompletableFuture.failedFuture(unavailable(asked));
    }
    List<Sibling> siblings = new ArrayList<>(store.getOrDefault(k, List.of()));
    boolean existed = !siblings.isEmpty();
    Set<Long> seen = seen(context);
    siblings.removeIf(s -> seen.contains(s.id()));
    store.put(k, siblings);
    return CompletableFuture.completedFuture(asked > alive ? new DeleteResult(existed, alive, asked)
        : new DeleteResult(existed, acks));
  }

  @Override
  public CompletableFuture<PutResult> set(byte[] key, byte[] value, RequestOptions options) {
    return get(key, options).thenCompose(g -> put(key, value, g.context(), options));
  }

  @Override
  public CompletableFuture<DeleteResult> remove(byte[] key, RequestOptions options) {
    return get(key, options).thenCompose(g -> delete(key, g.context(), options));
  }

  @Override
  public CompletableFuture<ClusterInfo> info() {
    calls.add(new Call("info", null, null, null, null));
    RuntimeException failure = failure("info", null);
    return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(info);
  }

  @Override
  public CompletableFuture<List<ClusterInfo.ReplicaState>> where(byte[] key) {
    calls.add(new Call("where", text(key), null, null, null));
    RuntimeException failure = failure("where", text(key));
    return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(whereAnswer);
  }

  /** What {@link #verify} answers. */
  VerifyResult verifyAnswer = new VerifyResult(0, 0, 0, List.of(), false);
  /** Answered first, one per call, before {@link #verifyAnswer}. */
  final Queue<VerifyResult> verifyAnswers = new ArrayDeque<>();

  /** The keys of the store after {@code after}, sorted (nodeId must be null or a known node's id). */
  @Override
  public CompletableFuture<io.ringkv.client.KeysPage> keys(String nodeId, byte[] after, int limit) {
    calls.add(new Call("keys", nodeId, after == null ? null : new String(after, java.nio.charset.StandardCharsets.UTF_8),
        null, null));
    RuntimeException failure = failure("keys", null);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    String from = after == null ? "" : new String(after, java.nio.charset.StandardCharsets.UTF_8);
    List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(store.keySet()));
    List<byte[]> page = new ArrayList<>();
    boolean more = false;
    for (String k : sorted) {
      if (k.compareTo(from) <= 0 || store.get(k).isEmpty()) {
        continue;
      }
      if (page.size() == (limit <= 0 ? 1000 : limit)) {
        more = true;
        break;
      }
      page.add(k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return CompletableFuture.completedFuture(new io.ringkv.client.KeysPage(page, more, List.of()));
  }

  @Override
  public CompletableFuture<VerifyResult> verify() {
    calls.add(new Call("verify", null, null, null, null));
    RuntimeException failure = failure("verify", null);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    VerifyResult next = verifyAnswers.poll();
    return CompletableFuture.completedFuture(next != null ? next : verifyAnswer);
  }

  @Override
  public CompletableFuture<String> leave() {
    return leave(null);
  }

  @Override
  public CompletableFuture<String> leave(String nodeId) {
    calls.add(new Call("leave", nodeId, null, null, null));
    RuntimeException failure = failure("leave", null);
    if (failure == null && pendingLeave != null) {
      return pendingLeave;
    }
    return failure != null ? CompletableFuture.failedFuture(failure)
        : CompletableFuture.completedFuture("Left the ring");
  }

  @Override
  public CompletableFuture<String> removeNode(String nodeId) {
    calls.add(new Call("remove-node", nodeId, null, null, null));
    RuntimeException failure = failure("remove-node", nodeId);
    if (failure == null && pendingRemove != null) {
      return pendingRemove;
    }
    return failure != null ? CompletableFuture.failedFuture(failure)
        : CompletableFuture.completedFuture("Removed " + nodeId + " from the ring");
  }

  @Override
  public CompletableFuture<String> stopNode(String nodeId) {
    calls.add(new Call("stop-node", nodeId, null, null, null));
    RuntimeException failure = failure("stop-node", nodeId);
    return failure != null ? CompletableFuture.failedFuture(failure)
        : CompletableFuture.completedFuture(nodeId + " is stopping");
  }

  private QuorumUnavailableException unavailable(int asked) {
    return new QuorumUnavailableException(alive + " of " + asked + " required replicas reachable", asked, alive);
  }

  @Override
  public NodeAddress currentNode() {
    return current;
  }

  @Override
  public ClusterInfo lastInfo() {
    return info;
  }

  @Override
  public void addListener(ClientListener listener) {
    listeners.add(listener);
  }

  @Override
  public BlockingRingkvClient blocking() {
    RingkvClient async = this;
    return new BlockingRingkvClient() {
      @Override public GetResult get(byte[] key, RequestOptions o) { return async.get(key, o).join(); }
      @Override public PutResult put(byte[] key, byte[] v, CausalContext c, RequestOptions o) { return async.put(key, v, c, o).join(); }
      @Override public DeleteResult delete(byte[] key, CausalContext c, RequestOptions o) { return async.delete(key, c, o).join(); }
      @Override public PutResult set(byte[] key, byte[] v, RequestOptions o) { return async.set(key, v, o).join(); }
      @Override public DeleteResult remove(byte[] key, RequestOptions o) { return async.remove(key, o).join(); }
      @Override public ClusterInfo info() { return async.info().join(); }
      @Override public List<ClusterInfo.ReplicaState> where(byte[] key) { return async.where(key).join(); }
      @Override public VerifyResult verify() { return async.verify().join(); }
      @Override public io.ringkv.client.KeysPage keys(String n, byte[] a, int l) { return async.keys(n, a, l).join(); }
      @Override public String removeNode(String id) { return async.removeNode(id).join(); }
      @Override public String leave() { return async.leave().join(); }
      @Override public String leave(String nodeId) { return async.leave(nodeId).join(); }
      @Override public String stopNode(String nodeId) { return async.stopNode(nodeId).join(); }
    };
  }

  boolean closed;

  @Override
  public void close() {
    closed = true;
  }

  // ---- internals -------------------------------------------------------------------------------

  private RuntimeException failure(String op, String key) {
    Queue<RuntimeException> queue = failures.get(op);
    if (queue != null && !queue.isEmpty()) {
      return queue.poll();
    }
    if (requireUuid4 && key != null && !UUID4.matcher(key).matches()) {
      return new RingkvException(ErrorCode.BAD_REQUEST, "Key is not a proper UUID4");
    }
    return null;
  }

  private PutResult write(String key, String value, CausalContext context) {
    List<Sibling> siblings = new ArrayList<>(store.getOrDefault(key, List.of()));
    boolean created = siblings.isEmpty();
    Set<Long> seen = seen(context);
    siblings.removeIf(s -> seen.contains(s.id()));
    siblings.add(new Sibling(nextId++, value));
    store.put(key, siblings);
    return new PutResult(created, acks, context(siblings));
  }

  private static CausalContext context(List<Sibling> siblings) {
    String ids = siblings.stream().map(s -> Long.toString(s.id())).collect(Collectors.joining(","));
    return CausalContext.of(bytes(ids));
  }

  private static Set<Long> seen(CausalContext context) {
    String ids = text(context.bytes());
    Set<Long> seen = new HashSet<>();
    if (!ids.isEmpty()) {
      Arrays.stream(ids.split(",")).map(Long::parseLong).forEach(seen::add);
    }
    return seen;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
