package io.ringkv.bench.jmh;

import com.codahale.metrics.MetricRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringkv.coordinator.KryoContextCodec;
import io.ringkv.ring.Replica;
import io.ringkv.gossip.Endpoint;
import io.ringkv.ring.ClusterView;
import io.ringkv.node.NodeMetrics;
import io.ringkv.node.RequestSettings;
import io.ringkv.node.RingNode;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.runtime.ThreadScheduler;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import io.ringkv.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The request path inside one JVM, without sockets: a client request enters node n1's {@link RingNode}
 * and is coordinated (N=3, R=W=2) with n2 and n3, each node with its real core thread
 * ({@link ThreadScheduler}) and storage threads (a {@code ThreadPoolExecutor}, as in ServerNode) over
 * in-memory stores. Node-to-node messages go through an in-JVM transport that encodes and decodes each
 * one with the wire codec ({@link Messages}) on the sending thread and hands it to the receiver's
 * {@code onMessage}, as a network loop would: so what is measured is the coordinator, storage, codecs
 * and every thread hand-off of the path (client → core → storage → core → peer → core → reply), but not
 * the event loops and loopback hops. A hand-off change shows here without a cluster.
 *
 * <ul>
 *   <li>{@code get}: one GET of a preloaded key (1 KB, one sibling), average time per request;
 *   <li>{@code put}: one PUT with the context of the key's previous write (an overwrite: the object
 *       stays at one sibling).
 * </ul>
 * Run it with one thread ({@code -t 1}: the latency of a lone request, every hand-off a wake-up) and
 * with several ({@code -t 8}: requests overlap, as under load; with several threads two puts of one
 * key may race and leave a sibling, which the next put of the key, carrying both, replaces).
 * {@code localReplicaOnCore} compares serving n1's own replica read and mint on the core thread (the
 * default) with the storage-thread round trip of before; {@code core} compares the core scheduler
 * ({@code queue}: {@link ThreadScheduler}, a lock-free queue) with the {@code ScheduledThreadPoolExecutor}
 * it replaced in 2026-12 ({@code stpe}, kept here only for the comparison).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.HEAP})
public class RequestPathBenchmark {
  static final int KEYS = 1_000;
  static final int NODES = 3;

  @Param({"true", "false"})
  public boolean localReplicaOnCore;

  @Param({"queue", "stpe"})
  public String core;

  @Param({"1024"})
  public int valueBytes;

  private final List<AutoCloseable> cores = new ArrayList<>();
  private final List<ThreadPoolExecutor> storageThreads = new ArrayList<>();
  private final Map<Endpoint, RingNode> nodes = new HashMap<>();
  private RingNode coordinator;
  private byte[][] keys;
  private byte[][] contexts;
  private byte[] value;
  private final java.util.concurrent.atomic.AtomicLong requestId = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    List<Replica> all = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      all.add(Replica.primary("n" + i, new Endpoint("127.0.0.1", 7000 + i)));
    }
    RequestSettings settings = RequestSettings.defaults(NODES).withLocalReplicaOnCore(localReplicaOnCore);
    for (Replica self : all) {
      Scheduler core = this.core.equals("queue") ? new ThreadScheduler("jmh-core-" + self.nodeId())
          : new ExecutorScheduler("jmh-core-" + self.nodeId());
      ThreadPoolExecutor storage = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000),
          r -> {
            Thread t = new Thread(r, "jmh-storage-" + self.nodeId());
            t.setDaemon(true);
            return t;
          });
      cores.add((AutoCloseable) core);
      storageThreads.add(storage);
      RingNode node = new RingNode(self.nodeId(), self.endpoint(), settings, InMemoryStorageEngine.withDefaults(),
          new InJvmTransport(self.endpoint()), new FixedView(self, all), Clock.system(), core, storage,
          new KryoContextCodec(), new NodeMetrics(new MetricRegistry()));
      nodes.put(self.endpoint(), node);
    }
    coordinator = nodes.get(all.get(0).endpoint());
    keys = Fixtures.keys(KEYS, 42);
    value = Fixtures.value(valueBytes, 7);
    contexts = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      contexts[i] = put(i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (AutoCloseable c : cores) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    storageThreads.forEach(ThreadPoolExecutor::shutdownNow);
  }

  @Benchmark
  public Reply get() throws Exception {
    int i = Math.floorMod(next.getAndIncrement(), KEYS);
    Reply reply = call(new GetRequest(requestId.incrementAndGet(), keys[i], 0, 0));
    if (!(reply instanceof GetReply get) || get.values().isEmpty()) {
      throw new IllegalStateException("unexpected reply " + reply);
    }
    return reply;
  }

  @Benchmark
  public byte[] put() throws Exception {
    int i = Math.floorMod(next.getAndIncrement(), KEYS);
    contexts[i] = put(i);
    return contexts[i];
  }

  private byte[] put(int i) throws Exception {
    Reply reply = call(new PutRequest(requestId.incrementAndGet(), keys[i], value, contexts[i], 0, 0));
    if (!(reply instanceof PutReply put)) {
      throw new IllegalStateException("unexpected reply " + reply);
    }
    return put.context();
  }

  private Reply call(Request request) throws Exception {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    coordinator.onRequest(request, reply::complete);
    return reply.get(5, TimeUnit.SECONDS);
  }

  /** Delivers to the receiving node on the sender's thread, through the wire codec. */
  private final class InJvmTransport implements Transport {
    private final Endpoint self;

    InJvmTransport(Endpoint self) {
      this.self = self;
    }

    @Override
    public void start(PeerHandler handler) {}

    @Override
    public void send(Endpoint to, Message message) {
      ByteBuf frame = Unpooled.buffer(valueBytes + 256);
      try {
        Messages.encode(message, frame, Integer.MAX_VALUE);
        nodes.get(to).onMessage(self, Messages.decode(frame));
      } finally {
        frame.release();
      }
    }

    @Override
    public Endpoint localEndpoint() {
      return self;
    }

    @Override
    public void close() {}
  }

  /** Every node holds every key (N = nodes); each node lists itself first, as its preference list would for its own keys. */
  private static final class FixedView implements ClusterView {
    private final List<Replica> targets;
    private final List<NodeInfo> infos = new ArrayList<>();

    FixedView(Replica self, List<Replica> all) {
      List<Replica> ordered = new ArrayList<>(List.of(self));
      for (Replica t : all) {
        if (!t.equals(self)) {
          ordered.add(t);
        }
        infos.add(new NodeInfo(t.nodeId(), t.endpoint().host(), t.endpoint().port(), "UP", 1, 1.0 / all.size(),
            null));
      }
      this.targets = List.copyOf(ordered);
    }

    @Override
    public List<Replica> targets(byte[] key, int n) {
      return targets.subList(0, Math.min(n, targets.size()));
    }

    @Override
    public List<Replica> primaries(byte[] key, int n) {
      return targets(key, n);
    }

    @Override
    public List<String> ownersOf(long token, int n) {
      List<String> ids = new ArrayList<>();
      for (Replica t : targets(null, n)) {
        ids.add(t.nodeId());
      }
      return ids;
    }

    @Override
    public List<NodeInfo> nodes() {
      return infos;
    }

    @Override
    public int liveNodes() {
      return infos.size();
    }
  }

  /** The core scheduler as it was until 2026-12: a one-thread ScheduledThreadPoolExecutor. */
  private static final class ExecutorScheduler implements Scheduler, AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;

    ExecutorScheduler(String name) {
      executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      });
      executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
      executor.execute(task);
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
      ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }
}
