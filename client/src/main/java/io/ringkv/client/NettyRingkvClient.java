package io.ringkv.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.KeysReply;
import io.ringkv.protocol.ClientMessages.KeysRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.AdminReply;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.RemoveNodeRequest;
import io.ringkv.protocol.ClientMessages.StopNodeRequest;
import io.ringkv.protocol.ClientMessages.VerifyReply;
import io.ringkv.protocol.ClientMessages.VerifyRequest;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.protocol.ClientMessages.WhereRequest;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Messages;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.protocol.WireCodec;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty implementation of {@link RingkvClient}.
 *
 * <p>One connection at a time, to one node. Requests are multiplexed on it by request id; at most
 * {@link ClientConfig#maxInFlight()} may be outstanding (more fail at once with OVERLOADED), and each
 * fails with TIMEOUT after its timeout ({@link RequestOptions#timeoutMs()}, else
 * {@link ClientConfig#requestTimeoutMs()}). An ErrorReply completes the future with a
 * {@link RingkvException} carrying the node's code and message.
 *
 * <p>Heartbeat: an INFO every {@link ClientConfig#heartbeatIntervalMs()}, answered within
 * {@link ClientConfig#connectTimeoutMs()} (INFO needs no quorum, so a node that cannot answer it that
 * fast is treated as down). Each answer updates {@link #lastInfo()}, adds the nodes it names to the
 * known nodes (seeds first, then learned ones) and fires
 * {@link ClientListener#onWarningsChanged} when its warnings differ from the previous ones.
 *
 * <p>Failover: when the connection closes or a heartbeat times out, the client tries the other known
 * nodes in turn (the failed one last), switches to the first that completes the handshake and an
 * INFO, and fires {@link ClientListener#onReconnected}. Requests that were in flight on the dead
 * connection are sent once more on the new one. Every write carries a random idempotency id, the same
 * on the retry: a replica that already holds the write's sibling applies nothing. If the retry was minted
 * by another replica than the first attempt, the write has two siblings: reads show it once, and once a
 * later write or delete replaces either, replicas remember the write as superseded, so the other copy
 * never shows again, and neither does a retry arriving after that (see {@code VersionedObject}). When no
 * known node answers, requests fail with {@link NoNodeReachableException} naming every node tried.
 *
 * <p>Threads: one Netty I/O thread, and one "events" thread that connects (blocking, bounded by the
 * connect timeout per node) and calls the listeners. Both are daemon threads; {@link #close()} stops them.
 */
final class NettyRingkvClient implements RingkvClient {
  private static final Logger log = LoggerFactory.getLogger(NettyRingkvClient.class);

  /** Largest frame sent or accepted: the node's own bound, see {@link WireCodec#DEFAULT_MAX_FRAME_BYTES}. */
  static final int MAX_FRAME_BYTES = WireCodec.DEFAULT_MAX_FRAME_BYTES;

  /**
   * Tasks waiting for the events thread (default 256): at most one failover at a time plus listener
   * calls, one per heartbeat at most; only listeners that block for long could fill it, and then
   * further notifications are dropped rather than queued without bound.
   */
  static final int EVENT_QUEUE_MAX = 256;

  /**
   * How long this client's own evidence that a node is unreachable (its connection died, or a connect
   * to it failed) overrides the cluster's view of it as alive (default 30 s: the cluster's failure
   * detector convicts a dead node within about 10 s, after which its view says DOWN by itself). Until
   * then the heartbeat's node list shows that node DOWN, so the node just lost is never listed as
   * known-alive; a node that was only unreachable from here shows up again after this long.
   */
  static final long UNREACHABLE_EVIDENCE_MS = 30_000;

  /** How long {@link #close()} waits for the client's threads (default 2000 ms). */
  static final long SHUTDOWN_TIMEOUT_MS = 2_000;

  private final ClientConfig config;
  /** Built once from {@link ClientConfig#tls()}; null for plaintext. */
  private final io.netty.handler.ssl.SslContext sslContext;
  private final EventLoopGroup group;
  private final ExecutorService events;
  private final AtomicLong requestIds = new AtomicLong();
  private final ConcurrentHashMap<Long, Call> pending = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CopyOnWriteArrayList<NodeAddress> known = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<ClientListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<CompletableFuture<Connection>> failover = new AtomicReference<>();
  /** Nodes this client failed to reach, with when (System.nanoTime); see {@link #UNREACHABLE_EVIDENCE_MS}. */
  private final ConcurrentHashMap<NodeAddress, Long> unreachableSince = new ConcurrentHashMap<>();
  private final BlockingRingkvClient blocking = new Blocking();

  private volatile Connection current;
  private volatile ClusterInfo lastInfo;
  private volatile List<String> lastWarnings = List.of();
  private volatile boolean closed;
  private volatile ScheduledFuture<?> heartbeat;

  private NettyRingkvClient(ClientConfig config) {
    this.config = config;
    this.sslContext = config.tls() == null ? null : config.tls().newContext();
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ringkv-client-io", true),
        NioIoHandler.newFactory());
    this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(EVENT_QUEUE_MAX),
        new DefaultThreadFactory("ringkv-client-events", true));
    this.known.addAllAbsent(config.seeds());
  }

  /** Connects to the first seed that answers, blocking; throws {@link NoNodeReachableException}. */
  static RingkvClient connect(ClientConfig config) {
    Objects.requireNonNull(config, "config");
    NettyRingkvClient client = new NettyRingkvClient(config);
    try {
      client.current = client.connectAny(null);
      client.scheduleHeartbeat();
      return client;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- API

  @Override
  public CompletableFuture<GetResult> get(byte[] key, RequestOptions options) {
    return downgrading(options, r -> call(id -> new GetRequest(id, key, r < 0 ? options.r() : r, timeoutForNode(options)),
        timeout(options), GetReply.class,
        reply -> new GetResult(List.copyOf(reply.values()), CausalContext.of(reply.context()), reply.replicas())),
        GetResult::downgradedFrom);
  }

  @Override
  public CompletableFuture<PutResult> put(byte[] key, byte[] value, CausalContext context, RequestOptions options) {
    byte[] ctx = context == null ? null : context.bytes();
    // the same on a retry (failover or downgrade), so a replica that holds the write applies nothing
    long writeId = newWriteId();
    return downgrading(options, w -> call(
        id -> new PutRequest(id, key, value, ctx, w < 0 ? options.w() : w, timeoutForNode(options), writeId),
        timeout(options), PutReply.class,
        r -> new PutResult(r.created(), r.acks(), CausalContext.of(r.context()))), PutResult::downgradedFrom);
  }

  @Override
  public CompletableFuture<DeleteResult> delete(byte[] key, CausalContext context, RequestOptions options) {
    byte[] ctx = context == null ? null : context.bytes();
    long writeId = newWriteId();
    return downgrading(options, w -> call(
        id -> new DeleteRequest(id, key, ctx, w < 0 ? options.w() : w, timeoutForNode(options), writeId),
        timeout(options), DeleteReply.class, r -> new DeleteResult(r.existed(), r.acks())),
        DeleteResult::downgradedFrom);
  }

  /**
   * The downgrading retry policy ({@link RequestOptions#downgrade()}): runs {@code attempt} at the
   * quorum asked ({@code -1}); when the node refused it because only {@code alive} of the {@code required}
   * replicas are reachable (nothing was read or stored: the refusal comes before any replica is asked),
   * runs it once more at {@code alive} and marks the result. A write keeps its context and write id, so
   * even a retry that met a copy of the first attempt would apply nothing twice. Timeouts, INDETERMINATE
   * writes and every other failure are returned as they are: the replicas were alive, or the write may
   * already be stored, and a lower quorum would only hide that.
   */
  private static <T> CompletableFuture<T> downgrading(RequestOptions options,
      java.util.function.IntFunction<CompletableFuture<T>> attempt, java.util.function.BiFunction<T, Integer, T> mark) {
    CompletableFuture<T> first = attempt.apply(-1);
    if (!options.downgrade()) {
      return first;
    }
    return first.handle((value, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(value);
      }
      RingkvException e = unwrap(error);
      if (e instanceof QuorumUnavailableException q && q.alive() > 0 && q.alive() < q.required()) {
        log.debug("downgrading from {} to {} replicas: {}", q.required(), q.alive(), q.getMessage());
        return attempt.apply(q.alive()).thenApply(v -> mark.apply(v, q.required()));
      }
      return CompletableFuture.<T>failedFuture(e);
    }).thenCompose(f -> f);
  }

  /** A random non-zero idempotency id: 64 bits make a collision between two writes of a key negligible. */
  private static long newWriteId() {
    long id;
    do {
      id = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    } while (id == 0);
    return id;
  }

  @Override
  public CompletableFuture<PutResult> set(byte[] key, byte[] value, RequestOptions options) {
    return get(key, options).thenCompose(read -> put(key, value, read.context(), options));
  }

  @Override
  public CompletableFuture<DeleteResult> remove(byte[] key, RequestOptions options) {
    return get(key, options).thenCompose(read -> delete(key, read.context(), options));
  }

  @Override
  public CompletableFuture<ClusterInfo> info() {
    return call(InfoRequest::new, config.requestTimeoutMs(), InfoReply.class, this::onInfo);
  }

  @Override
  public CompletableFuture<List<ClusterInfo.ReplicaState>> where(byte[] key) {
    return call(id -> new WhereRequest(id, key), config.requestTimeoutMs(), WhereReply.class,
        r -> r.replicas().stream().map(NettyRingkvClient::toReplicaState).toList());
  }

  @Override
  public CompletableFuture<VerifyResult> verify() {
    // a VERIFY scans every node's store: it may take far longer than a request
    return call(id -> new VerifyRequest(id), Math.max(config.requestTimeoutMs(), 70_000), VerifyReply.class,
        r -> new VerifyResult(r.keys(), r.underReplicated(), r.misplaced(), List.copyOf(r.unanswered()),
            r.truncated(), r.cleanupStartsInMs()));
  }

  @Override
  public CompletableFuture<String> stopNode(String nodeId) {
    // on the current connection and never resent: a STOP whose answer was lost with the connection (the
    // node asked may be the one stopping) must not reach a second node that forwards it again
    return connection().thenCompose(c -> call(id -> new StopNodeRequest(id, nodeId), config.requestTimeoutMs(),
        AdminReply.class, AdminReply::message, c));
  }

  @Override
  public CompletableFuture<KeysPage> keys(String nodeId, byte[] after, int limit) {
    // every node scans its store for a page: allow it longer than a request
    return call(id -> new KeysRequest(id, nodeId, after, limit), Math.max(config.requestTimeoutMs(), 15_000),
        KeysReply.class, r -> new KeysPage(r.keys(), r.more(), r.unanswered()));
  }

  @Override
  public CompletableFuture<String> removeNode(String nodeId) {
    // the node answers once the survivors re-replicated the removed node's ranges: as long as a stream
    // takes, so wait up to an hour; resent after a failover (a second REMOVE of the same id resumes it)
    return call(id -> new RemoveNodeRequest(id, nodeId), 3_600_000, AdminReply.class, AdminReply::message);
  }

  @Override
  public CompletableFuture<String> leave() {
    return leave(null);
  }

  @Override
  public CompletableFuture<String> leave(String nodeId) {
    // LEAVE decommissions the node that receives it: only the node this session is on, never another one
    // after a failover or a retry (that would take a second node out of the ring); streaming a node's
    // data takes as long as it takes, so wait up to an hour
    Connection c = current;
    if (c == null || c.dead) {
      return CompletableFuture.failedFuture(new RingkvException(ErrorCode.UNAVAILABLE,
          "not connected to a node; LEAVE decommissions the node this session is on, so it is not sent to another"));
    }
    return call(id -> new LeaveRequest(id, nodeId), 3_600_000, AdminReply.class, AdminReply::message, c);
  }

  @Override
  public NodeAddress currentNode() {
    Connection c = current;
    return c == null ? null : c.endpoint;
  }

  @Override
  public ClusterInfo lastInfo() {
    return lastInfo;
  }

  /** The nodes this client would try, seeds first, then the nodes learned from heartbeats. */
  List<NodeAddress> knownNodes() {
    return List.copyOf(known);
  }

  @Override
  public void addListener(ClientListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public BlockingRingkvClient blocking() {
    return blocking;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledFuture<?> hb = heartbeat;
    if (hb != null) {
      hb.cancel(false);
    }
    RingkvException closedError = new RingkvException(ErrorCode.UNAVAILABLE, "client closed");
    for (Call call : pending.values()) {
      call.fail(closedError);
    }
    Connection c = current;
    if (c != null) {
      c.channel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
    }
    events.shutdownNow();
    var stopped = group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    try {
      if (!events.awaitTermination(SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          || !stopped.awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS)) {
        log.warn("client threads did not stop within {} ms", SHUTDOWN_TIMEOUT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- requests

  private long timeout(RequestOptions options) {
    return options.timeoutMs() > 0 ? options.timeoutMs() : config.requestTimeoutMs();
  }

  private static int timeoutForNode(RequestOptions options) {
    return (int) Math.min(Integer.MAX_VALUE, options.timeoutMs());
  }

  /** Sends a request built with a fresh id and maps its reply; ErrorReply becomes a RingkvException. */
  private <R extends Reply, T> CompletableFuture<T> call(LongFunction<Request> build, long timeoutMs,
      Class<R> replyType, Function<R, T> map) {
    return call(build, timeoutMs, replyType, map, null);
  }

  /** As above; with {@code on} not null, only on that connection and never retried (see {@link #send}). */
  private <R extends Reply, T> CompletableFuture<T> call(LongFunction<Request> build, long timeoutMs,
      Class<R> replyType, Function<R, T> map, Connection on) {
    CompletableFuture<T> result = new CompletableFuture<>();
    send(build.apply(requestIds.incrementAndGet()), timeoutMs, on).whenComplete((reply, error) -> {
      if (error != null) {
        result.completeExceptionally(unwrap(error));
      } else if (reply instanceof ErrorReply e) {
        result.completeExceptionally(e.code() == ErrorCode.UNAVAILABLE && e.required() > 0
            ? new QuorumUnavailableException(e.message(), e.required(), e.alive())
            : new RingkvException(e.code(), e.message()));
      } else if (replyType.isInstance(reply)) {
        try {
          result.complete(map.apply(replyType.cast(reply)));
        } catch (RuntimeException e) {
          result.completeExceptionally(new RingkvException(ErrorCode.PROTOCOL,
              "malformed " + replyType.getSimpleName() + ": " + e.getMessage(), e));
        }
      } else {
        result.completeExceptionally(new RingkvException(ErrorCode.PROTOCOL,
            "expected " + replyType.getSimpleName() + ", got " + reply.getClass().getSimpleName()));
      }
    });
    return result;
  }

  /**
   * Registers a call and writes it. With {@code on} null it goes to the current node (failing over if
   * needed) and is retried once if that connection dies; otherwise only on {@code on}, never retried.
   */
  private CompletableFuture<Reply> send(Request request, long timeoutMs, Connection on) {
    CompletableFuture<Reply> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(new RingkvException(ErrorCode.UNAVAILABLE, "client closed"));
      return result;
    }
    if (inFlight.incrementAndGet() > config.maxInFlight()) {
      inFlight.decrementAndGet();
      result.completeExceptionally(new RingkvException(ErrorCode.OVERLOADED,
          "too many requests in flight (maxInFlight=" + config.maxInFlight() + ")"));
      return result;
    }
    Call call = new Call(request, result, on == null ? 1 : 0);
    try {
      call.timer = group.schedule(() -> {
        Connection c = call.connection;
        call.fail(new RingkvException(ErrorCode.TIMEOUT, "no reply within " + timeoutMs
            + " ms" + (c == null ? "" : " from " + c.endpoint)));
      }, timeoutMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) { // close() raced with this call
      inFlight.decrementAndGet();
      result.completeExceptionally(new RingkvException(ErrorCode.UNAVAILABLE, "client closed"));
      return result;
    }
    pending.put(request.requestId(), call);
    if (on != null) {
      write(on, call);
    } else {
      dispatch(call);
    }
    return result;
  }

  private void dispatch(Call call) {
    Connection c = current;
    if (c != null && !c.dead) {
      write(c, call);
      return;
    }
    connection().whenComplete((conn, error) -> {
      if (error != null) {
        call.fail(unwrap(error));
      } else {
        write(conn, call);
      }
    });
  }

  private void write(Connection c, Call call) {
    if (call.isDone()) {
      return;
    }
    call.connection = c;
    c.channel.writeAndFlush(call.request).addListener(f -> {
      if (!f.isSuccess() && !(f.cause() instanceof IOException)) {
        call.fail(new RingkvException(ErrorCode.BAD_REQUEST,
            "request could not be sent: " + f.cause().getMessage(), f.cause()));
      }
    });
    if (c.dead) {
      retryOrFail(call, c);
    }
  }

  /** {@code call} was in flight on {@code dead}: send it once more on another node, or fail it. */
  private void retryOrFail(Call call, Connection dead) {
    synchronized (call) {
      if (call.connection != dead || call.isDone()) {
        return; // already moved on, or answered
      }
      call.connection = null;
      if (call.retriesLeft <= 0) {
        boolean write = call.request instanceof PutRequest || call.request instanceof DeleteRequest;
        call.fail(write
            ? new RingkvException(ErrorCode.INDETERMINATE, "connection to " + dead.endpoint
                + " lost before the reply; the write may be stored and show up in later reads")
            : new RingkvException(ErrorCode.UNAVAILABLE, "connection to " + dead.endpoint + " lost before the reply"));
        return;
      }
      call.retriesLeft--;
    }
    dispatch(call);
  }

  // ---------------------------------------------------------------- connections and failover

  /** The live connection, or the one a (single, shared) failover produces. */
  private CompletableFuture<Connection> connection() {
    while (true) {
      Connection c = current;
      if (c != null && !c.dead) {
        return CompletableFuture.completedFuture(c);
      }
      if (closed) {
        return CompletableFuture.failedFuture(new RingkvException(ErrorCode.UNAVAILABLE, "client closed"));
      }
      CompletableFuture<Connection> mine = new CompletableFuture<>();
      if (failover.compareAndSet(null, mine)) {
        NodeAddress failed = c == null ? null : c.endpoint;
        try {
          events.execute(() -> runFailover(mine, failed));
        } catch (RejectedExecutionException e) { // closing, or listeners blocking the events thread
          failover.compareAndSet(mine, null);
          mine.completeExceptionally(new RingkvException(ErrorCode.UNAVAILABLE,
              closed ? "client closed" : "cannot fail over: the client's event queue is full (blocked listener?)"));
        }
        return mine;
      }
      CompletableFuture<Connection> running = failover.get();
      if (running != null) {
        return running;
      }
    }
  }

  private void runFailover(CompletableFuture<Connection> done, NodeAddress failed) {
    Connection alive = current;
    if (alive != null && !alive.dead) { // a failover that finished just before this one was started
      failover.compareAndSet(done, null);
      done.complete(alive);
      return;
    }
    try {
      Connection next = connectAny(failed);
      current = next;
      failover.compareAndSet(done, null);
      done.complete(next);
      log.info("ringkv client switched to {}", next.endpoint);
      ClusterInfo info = lastInfo;
      for (ClientListener l : listeners) {
        try {
          l.onReconnected(next.endpoint, info);
        } catch (RuntimeException e) {
          log.warn("client listener threw", e);
        }
      }
    } catch (RuntimeException e) {
      failover.compareAndSet(done, null);
      done.completeExceptionally(e);
    }
  }

  /**
   * Tries every known node, starting after {@code failed} and ending with it, blocking up to the
   * connect timeout for each; the first that completes the handshake and answers INFO wins.
   */
  private Connection connectAny(NodeAddress failed) {
    List<NodeAddress> order = new ArrayList<>(known);
    int at = failed == null ? -1 : order.indexOf(failed);
    if (at >= 0) {
      List<NodeAddress> rotated = new ArrayList<>(order.subList(at + 1, order.size()));
      rotated.addAll(order.subList(0, at + 1));
      order = rotated;
    }
    List<String> tried = new ArrayList<>();
    String lastError = null;
    for (NodeAddress node : order) {
      if (closed) {
        throw new RingkvException(ErrorCode.UNAVAILABLE, "client closed");
      }
      tried.add(node.toString());
      try {
        Connection c = connectTo(node);
        unreachableSince.remove(node);
        return c;
      } catch (RingkvException e) {
        unreachableSince.put(node, System.nanoTime());
        log.debug("node {} not usable: {}", node, e.getMessage());
        if (e.code() == ErrorCode.UNAUTHENTICATED) {
          throw e; // the credentials or the TLS settings are wrong: every node says the same, and retries count as failed logins
        }
        lastError = e.getMessage();
      }
    }
    throw new NoNodeReachableException("no node reachable (tried " + String.join(", ", tried) + ")"
        + (lastError == null ? "" : "; last error: " + lastError));
  }

  /** Connects, says Hello, and reads INFO; blocks up to connectTimeoutMs for each step. */
  private Connection connectTo(NodeAddress node) {
    Connection conn = new Connection(node);
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMs()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (sslContext != null) {
              ch.pipeline().addLast("tls", sslContext.newHandler(ch.alloc(), node.host(), node.port()));
            }
            WireCodec.install(ch.pipeline(), MAX_FRAME_BYTES);
            ch.pipeline().addLast("client", new Inbound(conn));
          }
        });
    ChannelFuture connecting = bootstrap.connect(node.host(), node.port());
    conn.channel = connecting.channel();
    if (!connecting.awaitUninterruptibly(config.connectTimeoutMs() + 100) || !connecting.isSuccess()) {
      connecting.channel().close();
      Throwable cause = connecting.cause();
      throw new RingkvException(ErrorCode.UNAVAILABLE, "cannot connect to " + node
          + (cause == null ? "" : ": " + cause.getMessage()));
    }
    try {
      Credentials credentials = config.credentials();
      conn.channel.writeAndFlush(new Hello(Messages.PROTOCOL_VERSION, null, null, 0, null,
          credentials == null ? null : credentials.user(), credentials == null ? null : credentials.password()));
      awaitOn(conn.handshake, node, "handshake");
      InfoReply info = awaitOn(send(new InfoRequest(requestIds.incrementAndGet()),
          config.connectTimeoutMs(), conn).thenApply(r -> {
            if (r instanceof InfoReply i) {
              return i;
            }
            throw new RingkvException(ErrorCode.PROTOCOL, "INFO answered with " + r);
          }), node, "INFO");
      onInfo(info);
      return conn;
    } catch (RuntimeException e) {
      conn.channel.close();
      throw e;
    }
  }

  private <T> T awaitOn(CompletableFuture<T> future, NodeAddress node, String what) {
    try {
      return future.get(config.connectTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RingkvException(ErrorCode.TIMEOUT, node + " did not complete the " + what + " within "
          + config.connectTimeoutMs() + " ms");
    } catch (ExecutionException e) {
      RingkvException cause = unwrap(e.getCause());
      throw new RingkvException(cause.code(), node + ": " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RingkvException(ErrorCode.UNAVAILABLE, "interrupted while connecting to " + node);
    }
  }

  private void onConnectionLost(Connection conn) {
    conn.dead = true;
    conn.handshake.completeExceptionally(new RingkvException(ErrorCode.UNAVAILABLE,
        "connection to " + conn.endpoint + " closed"));
    if (closed) {
      return;
    }
    for (Call call : pending.values()) {
      if (call.connection == conn) {
        retryOrFail(call, conn);
      }
    }
    if (current == conn) {
      unreachableSince.put(conn.endpoint, System.nanoTime());
      log.info("ringkv client lost its connection to {}", conn.endpoint);
      connection(); // fail over now, not on the next request
    }
  }

  // ---------------------------------------------------------------- heartbeat

  private void scheduleHeartbeat() {
    if (!closed) {
      try {
        heartbeat = group.schedule(this::heartbeat, config.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  private void heartbeat() {
    if (closed) {
      return;
    }
    Connection c = current;
    if (c == null || c.dead) {
      connection().whenComplete((conn, e) -> scheduleHeartbeat());
      return;
    }
    send(new InfoRequest(requestIds.incrementAndGet()), config.connectTimeoutMs(), c).whenComplete((reply, e) -> {
      if (reply instanceof InfoReply info) {
        onInfo(info);
      } else if (e != null && unwrap(e).code() == ErrorCode.TIMEOUT && current == c) {
        log.info("ringkv client: {} missed a heartbeat ({}); failing over", c.endpoint, unwrap(e).getMessage());
        c.channel.close(); // onConnectionLost does the rest
      }
      scheduleHeartbeat();
    });
  }

  private ClusterInfo onInfo(InfoReply reply) {
    ClusterInfo info = withOwnEvidence(toClusterInfo(reply));
    lastInfo = info;
    for (ClusterInfo.Node node : info.nodes()) {
      if (node.endpoint() != null) {
        known.addIfAbsent(node.endpoint());
      }
    }
    List<String> warnings = info.warnings();
    if (!warnings.equals(lastWarnings)) {
      lastWarnings = warnings;
      if (!listeners.isEmpty()) {
        try {
          events.execute(() -> {
            for (ClientListener l : listeners) {
              try {
                l.onWarningsChanged(warnings);
              } catch (RuntimeException e) {
                log.warn("client listener threw", e);
              }
            }
          });
        } catch (RejectedExecutionException e) {
          log.warn("dropping a warnings notification: the client's event queue is full or closed");
        }
      }
    }
    return info;
  }

  /**
   * The node's view with this client's own evidence: a node the client failed to reach within
   * {@link #UNREACHABLE_EVIDENCE_MS} shows DOWN even while the node answering still sees it alive (its
   * failure detector has not convicted it yet). Evidence is dropped once the cluster says DOWN too (a
   * later UP then means the node is back) or when it is older than the bound.
   */
  private ClusterInfo withOwnEvidence(ClusterInfo info) {
    if (unreachableSince.isEmpty()) {
      return info;
    }
    long now = System.nanoTime();
    List<ClusterInfo.Node> nodes = new ArrayList<>(info.nodes().size());
    boolean changed = false;
    for (ClusterInfo.Node n : info.nodes()) {
      Long since = n.endpoint() == null ? null : unreachableSince.get(n.endpoint());
      if (since != null && ("DOWN".equals(n.status())
          || TimeUnit.NANOSECONDS.toMillis(now - since) > UNREACHABLE_EVIDENCE_MS)) {
        unreachableSince.remove(n.endpoint(), since);
        since = null;
      }
      if (since != null) {
        nodes.add(new ClusterInfo.Node(n.id(), n.endpoint(), "DOWN", n.tokens(), n.ownership(), n.activity()));
        changed = true;
      } else {
        nodes.add(n);
      }
    }
    if (!changed) {
      return info;
    }
    // the node's cluster-size warning counts the nodes it sees alive; count without those we found dead
    long live = nodes.stream().filter(ClusterInfo.Node::alive).count();
    List<String> warnings = new ArrayList<>();
    for (String w : info.warnings()) {
      if (!w.startsWith(CLUSTER_SIZE_WARNING_START)) {
        warnings.add(w);
      }
    }
    if (live < info.replicationFactor()) {
      warnings.add(0, clusterSizeWarning(live, info.replicationFactor()));
    }
    return new ClusterInfo(info.nodeId(), info.clusterName(), info.replicationFactor(), info.defaultR(),
        info.defaultW(), info.keyFormat(), List.copyOf(nodes), List.copyOf(warnings));
  }

  private static final String CLUSTER_SIZE_WARNING_START = "cluster size (";

  /** The node's warning when fewer nodes are alive than N (the words of seed 002; RingNode.info says the same). */
  static String clusterSizeWarning(long live, int n) {
    return CLUSTER_SIZE_WARNING_START + live + ") is smaller than a replication factor (" + n + ")";
  }

  // ---------------------------------------------------------------- mapping

  static ClusterInfo toClusterInfo(InfoReply r) {
    List<ClusterInfo.Node> nodes = new ArrayList<>();
    for (NodeInfo n : r.nodes() == null ? List.<NodeInfo>of() : r.nodes()) {
      nodes.add(new ClusterInfo.Node(n.id(), endpointOrNull(n.host(), n.port()), n.status(), n.tokens(), n.ownership(),
          n.activity()));
    }
    List<String> warnings = r.warnings() == null ? List.of() : List.copyOf(r.warnings());
    return new ClusterInfo(r.nodeId(), r.clusterName(), r.replicationFactor(), r.defaultR(), r.defaultW(),
        r.keyFormat(), List.copyOf(nodes), warnings);
  }

  static ClusterInfo.ReplicaState toReplicaState(ReplicaView v) {
    return new ClusterInfo.ReplicaState(v.nodeId(), endpointOrNull(v.host(), v.port()), v.role(), v.answered(),
        v.values() == null ? List.of() : List.copyOf(v.values()), v.tombstones());
  }

  private static NodeAddress endpointOrNull(String host, int port) {
    try {
      return new NodeAddress(host, port);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static RingkvException unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof RingkvException e) {
      return e;
    }
    if (cause instanceof CancellationException) {
      return new RingkvException(ErrorCode.INTERNAL, "request cancelled", cause);
    }
    if (cause instanceof ClosedChannelException) {
      return new RingkvException(ErrorCode.UNAVAILABLE, "connection closed", cause);
    }
    return new RingkvException(ErrorCode.INTERNAL, String.valueOf(cause), cause);
  }

  // ---------------------------------------------------------------- plumbing

  /** One request in flight. {@code connection} is where it was last written. */
  private final class Call {
    final Request request;
    final CompletableFuture<Reply> result;
    private final AtomicBoolean finished = new AtomicBoolean();
    int retriesLeft;
    volatile Connection connection;
    volatile ScheduledFuture<?> timer;

    Call(Request request, CompletableFuture<Reply> result, int retriesLeft) {
      this.request = request;
      this.result = result;
      this.retriesLeft = retriesLeft;
    }

    boolean isDone() {
      return finished.get();
    }

    void complete(Reply reply) {
      if (release()) {
        result.complete(reply);
      }
    }

    void fail(Throwable error) {
      if (release()) {
        result.completeExceptionally(error);
      }
    }

    /** Frees the call's slot before anyone waiting on it runs, so a caller woken by it can reuse it. */
    private boolean release() {
      if (!finished.compareAndSet(false, true)) {
        return false;
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      pending.remove(request.requestId());
      inFlight.decrementAndGet();
      return true;
    }
  }

  private static final class Connection {
    final NodeAddress endpoint;
    final CompletableFuture<HelloOk> handshake = new CompletableFuture<>();
    volatile Channel channel;
    volatile boolean dead;

    Connection(NodeAddress endpoint) {
      this.endpoint = endpoint;
    }
  }

  private final class Inbound extends ChannelInboundHandlerAdapter {
    private final Connection conn;

    Inbound(Connection conn) {
      this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HelloOk ok) {
        conn.handshake.complete(ok);
      } else if (msg instanceof ErrorReply e && !conn.handshake.isDone()) {
        conn.handshake.completeExceptionally(new RingkvException(e.code(), "refused: " + e.message()));
        ctx.close();
      } else if (msg instanceof Reply reply) {
        Call call = pending.get(reply.requestId());
        if (call != null && call.connection == conn) {
          call.complete(reply);
        } else if (reply.requestId() == 0 && reply instanceof ErrorReply e) {
          log.warn("node {} reports: {} {}", conn.endpoint, e.code(), e.message());
        }
      } else if (msg instanceof WireCodec.BadFrame bad) {
        Call call = bad.requestIdKnown() ? pending.get(bad.requestId()) : null;
        if (call != null) {
          call.fail(new RingkvException(ErrorCode.PROTOCOL,
              "undecodable reply from " + conn.endpoint + ": " + bad.reason()));
        }
        if (bad.fatal() || call == null) {
          log.warn("closing connection to {}: {}", conn.endpoint, bad.reason());
          ctx.close();
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onConnectionLost(conn);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("connection to {} failed: {}", conn.endpoint, cause.toString());
      if (!conn.handshake.isDone()) { // e.g. a TLS handshake failure: say why, not just "closed"
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
            ? cause.getCause() : cause;
        conn.handshake.completeExceptionally(new RingkvException(ErrorCode.UNAVAILABLE,
            "TLS or connection failure: " + root.getMessage()));
      }
      ctx.close();
    }
  }

  private final class Blocking implements BlockingRingkvClient {
    @Override
    public GetResult get(byte[] key, RequestOptions options) {
      return await(NettyRingkvClient.this.get(key, options));
    }

    @Override
    public PutResult put(byte[] key, byte[] value, CausalContext context, RequestOptions options) {
      return await(NettyRingkvClient.this.put(key, value, context, options));
    }

    @Override
    public DeleteResult delete(byte[] key, CausalContext context, RequestOptions options) {
      return await(NettyRingkvClient.this.delete(key, context, options));
    }

    @Override
    public PutResult set(byte[] key, byte[] value, RequestOptions options) {
      return await(NettyRingkvClient.this.set(key, value, options));
    }

    @Override
    public DeleteResult remove(byte[] key, RequestOptions options) {
      return await(NettyRingkvClient.this.remove(key, options));
    }

    @Override
    public ClusterInfo info() {
      return await(NettyRingkvClient.this.info());
    }

    @Override
    public List<ClusterInfo.ReplicaState> where(byte[] key) {
      return await(NettyRingkvClient.this.where(key));
    }

    @Override
    public VerifyResult verify() {
      return await(NettyRingkvClient.this.verify());
    }

    @Override
    public KeysPage keys(String nodeId, byte[] after, int limit) {
      return await(NettyRingkvClient.this.keys(nodeId, after, limit));
    }

    @Override
    public String removeNode(String nodeId) {
      return await(NettyRingkvClient.this.removeNode(nodeId));
    }

    @Override
    public String leave() {
      return await(NettyRingkvClient.this.leave());
    }

    @Override
    public String leave(String nodeId) {
      return await(NettyRingkvClient.this.leave(nodeId));
    }

    @Override
    public String stopNode(String nodeId) {
      return await(NettyRingkvClient.this.stopNode(nodeId));
    }

    private <T> T await(CompletableFuture<T> future) {
      try {
        return future.join();
      } catch (CompletionException | CancellationException e) {
        throw unwrap(e);
      }
    }
  }
}
