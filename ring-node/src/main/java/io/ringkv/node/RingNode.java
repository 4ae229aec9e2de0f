package io.ringkv.node;

import io.ringkv.ring.ClusterView;
import com.codahale.metrics.Timer;
import io.ringkv.coordinator.ContextCodec;
import io.ringkv.coordinator.Coordinator;
import io.ringkv.coordinator.ForwardCoordinator;
import io.ringkv.coordinator.GetCoordinator;
import io.ringkv.coordinator.PutCoordinator;
import io.ringkv.ring.Replica;
import io.ringkv.ring.WritePlan;
import io.ringkv.coordinator.Step;
import io.ringkv.coordinator.VerifyCoordinator;
import io.ringkv.coordinator.WhereCoordinator;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.AdminReply;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.RemoveNodeRequest;
import io.ringkv.protocol.ClientMessages.StopNodeRequest;
import io.ringkv.protocol.ClientMessages.VerifyReply;
import io.ringkv.protocol.ClientMessages.VerifyRequest;
import io.ringkv.protocol.ClientMessages.WhereRequest;
import io.ringkv.protocol.ClientMessages.KeysRequest;
import io.ringkv.protocol.ClientMessages.StatsRequest;
import io.ringkv.internode.ReplicaRpc;
import io.ringkv.internode.ReplicaMessages.NodeKeysReply;
import io.ringkv.internode.ReplicaMessages.NodeKeysRequest;
import io.ringkv.internode.ReplicaMessages.NodeStatsReply;
import io.ringkv.internode.ReplicaMessages.NodeStatsRequest;
import io.ringkv.coordinator.KeysCoordinator;
import io.ringkv.coordinator.StatsCoordinator;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.KeyTokensReply;
import io.ringkv.internode.ReplicaMessages.KeyTokensRequest;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.internode.ReplicaMessages.ReplicaWriteReply;
import io.ringkv.protocol.Request;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.transport.ClientRequestHandler;
import io.ringkv.transport.MessageRoutes;
import io.ringkv.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path of one node: the driver around the pure coordinators (client requests checked and
 * run, their sends and timers applied), the {@link ReplicaRpc} plumbing other subsystems send replica
 * requests through (hinted handoff, transfers, stream asks: one id space with the coordinators), and the
 * node's message table ({@link #routes()}). The replica side of replication is {@link ReplicaService}.
 *
 * <p>Threads. Coordinator state lives on the core {@link Scheduler} (one thread, no locks); client
 * requests and replica replies are handed to it. Replica work (storage reads and writes) runs on
 * {@code storageExecutor}, never on a network thread, except this node's own replica read or mint for a
 * request it coordinates, which runs on the core thread ({@link RequestSettings#localReplicaOnCore()}:
 * a few microseconds of storage against two thread hand-offs). Messages to this node itself skip the
 * network.
 * Under simulation the scheduler and executor are the simulator's, so a cluster runs on one thread.
 */
public final class RingNode implements ClientRequestHandler, Transport.PeerHandler, ReplicaRpc {
  private static final Logger log = LoggerFactory.getLogger(RingNode.class);
  /** A VERIFY scans every node's store: give it longer than a request. */
  static final long VERIFY_TIMEOUT_MS = 60_000;
  /** Keys per KEYS page when the client names none. */
  public static final int KEYS_PAGE_DEFAULT = 1_000;
  /** Most keys per KEYS page: 10,000 keys of at most 1 KiB stay far below the frame bound. */
  public static final int KEYS_PAGE_MAX = ReplicaService.KEYS_PAGE_MAX;
  /** The dashboard asks every second: a node that has not answered its figures within this is left out. */
  static final long STATS_TIMEOUT_MS = 1_000;

  private final String nodeId;
  private final Endpoint self;
  private final RequestSettings settings;
  private final StorageEngine storage;
  private final Transport transport;
  private final ClusterView cluster;
  private final Clock clock;
  private final Scheduler core;
  private final Executor storageExecutor;
  private final ContextCodec contexts;
  private final NodeMetrics metrics;

  private final Map<Long, Active> active = new HashMap<>();
  private long nextInternalId;
  /** The node's one message table: the request path's types, and what NodeAssembly adds for the rest. */
  private final MessageRoutes routes = new MessageRoutes();
  private final ReplicaService replicas;

  /** Hooks for subsystems that watch replica-side writes (hinted handoff, anti-entropy trees). */
  private static final class Active {
    final Coordinator coordinator;
    final Consumer<Reply> client;
    final Timer.Context timing;
    Scheduler.Cancellable timer;
    long timerAtMs = -1;

    Active(Coordinator coordinator, Consumer<Reply> client, Timer.Context timing) {
      this.coordinator = coordinator;
      this.client = client;
      this.timing = timing;
    }
  }

  public RingNode(String nodeId, Endpoint self, RequestSettings settings, StorageEngine storage, Transport transport,
      ClusterView cluster, Clock clock, Scheduler core, Executor storageExecutor, ContextCodec contexts,
      NodeMetrics metrics) {
    this.nodeId = nodeId;
    this.self = self;
    this.settings = settings;
    this.storage = storage;
    this.transport = transport;
    this.cluster = cluster;
    this.clock = clock;
    this.core = core;
    this.storageExecutor = storageExecutor;
    this.contexts = contexts;
    this.metrics = metrics;
    this.replicas = new ReplicaService(nodeId, storage, clock, metrics);
    this.nextInternalId = (clock.nowMs() & 0xFFFF_FFFFL) << 20;
    routeOwnMessages();
  }

  /**
   * The node's message table ({@link MessageRoutes}): it holds the request path's own types (replica
   * requests and replies, stats, a forwarded STOP); {@code NodeAssembly} adds every other subsystem's.
   */
  public MessageRoutes routes() {
    return routes;
  }

  private void routeOwnMessages() {
    routes.on(NodeStatsRequest.class, (from, stats) ->
        // a few metric reads: cheap enough for whichever thread delivered the request
        send(from, new NodeStatsReply(stats.requestId(), metrics.stats(nodeId))));
    routes.on(List.<Class<? extends Message>>of(ReplicaRead.class, ReplicaWrite.class, ReplicaMerge.class,
        KeyTokensRequest.class, NodeKeysRequest.class), (from, message) -> {
          Request request = (Request) message;
          try {
            storageExecutor.execute(() -> send(from, replicas.serve(request)));
          } catch (RejectedExecutionException e) {
            send(from, new ErrorReply(request.requestId(), ErrorCode.OVERLOADED,
                "replica " + nodeId + " storage queue is full"));
          }
        });
    routes.on(StopNodeRequest.class, (from, stop) -> core.execute(() -> onForwardedStop(from, stop)));
    routes.on(List.<Class<? extends Message>>of(ReplicaReadReply.class, ReplicaWriteReply.class, ReplicaAck.class,
        ErrorReply.class, KeyTokensReply.class, io.ringkv.internode.ReplicaMessages.StreamReply.class,
        NodeKeysReply.class, NodeStatsReply.class, AdminReply.class),
        (from, message) -> core.execute(() -> onReplicaReply(from, (Reply) message)));
  }

  public String nodeId() {
    return nodeId;
  }

  public Endpoint endpoint() {
    return self;
  }

  public RequestSettings settings() {
    return settings;
  }

  public StorageEngine storage() {
    return storage;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** Membership actions an operator asks for; runs on the core thread. */
  public interface Admin {
    Admin NONE = id -> {
      throw new IllegalStateException("this node has no membership to change");
    };

    /**
     * Removes a down member for good once its ranges are re-replicated; completes with one line saying so.
     * Throws at once (IllegalArgumentException, IllegalStateException) when the member cannot be removed.
     */
    java.util.concurrent.CompletableFuture<String> removeNode(String nodeId);

    /** Decommissions this node; completes with one line when it has left the ring. */
    default java.util.concurrent.CompletableFuture<String> leave() {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new IllegalStateException("this node cannot leave: it has no membership"));
    }

    /**
     * Stops this node cleanly: completes with one line at once, then (after the answer had time to
     * leave) the node closes its stores and its process exits with status 0.
     */
    default java.util.concurrent.CompletableFuture<String> stop() {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new IllegalStateException("this node cannot be stopped from a client"));
    }

    /**
     * When this node's cleanup of the copies it no longer owns starts: {@link VerifyReply#NO_CLEANUP_DUE}
     * when none is due, 0 while a pass runs, else the milliseconds until the ring has settled.
     */
    default long cleanupStartsInMs() {
      return VerifyReply.NO_CLEANUP_DUE;
    }
  }

  private volatile Admin admin = Admin.NONE;

  public void setAdmin(Admin admin) {
    this.admin = admin;
  }

  /** Adds a watcher of replica-side writes (hinted handoff, anti-entropy trees). */
  /** Tells {@code listener} of every write and merge this node's replica side stores (hinted handoff). */
  public void addReplicaListener(ReplicaService.Listener listener) {
    replicas.addListener(listener);
  }

  // ---------------------------------------------------------------- client side

  @Override
  public void onRequest(Request request, Consumer<Reply> reply) {
    core.execute(() -> handleClient(request, reply));
  }

  private void handleClient(Request request, Consumer<Reply> reply) {
    try {
      if (request instanceof InfoRequest info) {
        reply.accept(info(info.requestId()));
        return;
      }
      if (active.size() >= settings.maxInFlightRequests()) {
        refuse(reply, request.requestId(), ErrorCode.OVERLOADED,
            "node " + nodeId + " has " + active.size() + " requests in flight (maxInFlightRequests); retry later");
        return;
      }
      long now = clock.nowMs();
      int n = settings.replicationFactor();
      if (request instanceof GetRequest get) {
        String bad = checkKey(get.key());
        int r = get.r() == 0 ? settings.defaultR() : get.r();
        if (bad == null) {
          bad = checkQuorum("R", r, n);
        }
        if (bad != null) {
          refuse(reply, get.requestId(), ErrorCode.BAD_REQUEST, bad);
          return;
        }
        long deadline = now + timeout(get.timeoutMs());
        List<Replica> targets = cluster.targets(get.key(), n);
        boolean sloppy = settings.sloppyQuorum() || get.sloppy();
        int countable = WritePlan.countable(targets, sloppy);
        if (countable < r) {
          refuseUnavailable(reply, get.requestId(), "read", r, countable, targets.size());
          return;
        }
        run(new GetCoordinator(newId(), get.requestId(), get.key(), targets, r, deadline,
            settings.readRepairBytesMax(), contexts::encode).withSloppyQuorum(sloppy),
            reply, metrics.coordinatorGet.time());
      } else if (request instanceof PutRequest put) {
        startWrite(put.requestId(), put.key(), put.value(), put.context(), put.w(), put.timeoutMs(), put.writeId(),
            put.sloppy(), reply, now);
      } else if (request instanceof DeleteRequest del) {
        startWrite(del.requestId(), del.key(), null, del.context(), del.w(), del.timeoutMs(), del.writeId(),
            del.sloppy(), reply, now);
      } else if (request instanceof RemoveNodeRequest remove) {
        java.util.concurrent.CompletableFuture<String> removal;
        try {
          removal = admin.removeNode(remove.nodeId());
        } catch (IllegalArgumentException | IllegalStateException e) {
          refuse(reply, remove.requestId(), ErrorCode.BAD_REQUEST, e.getMessage());
          return;
        }
        removal.whenComplete((message, error) -> adminDone(reply, remove.requestId(), message, error));
      } else if (request instanceof LeaveRequest leave) {
        if (leave.nodeId() != null && !leave.nodeId().equals(nodeId)) {
          refuse(reply, leave.requestId(), ErrorCode.BAD_REQUEST, "this is " + nodeId + ", not " + leave.nodeId()
              + ": LEAVE not done (the client may have failed over; connect to " + leave.nodeId() + " itself)");
          return;
        }
        admin.leave().whenComplete((message, error) -> adminDone(reply, leave.requestId(), message, error));
      } else if (request instanceof StopNodeRequest stop) {
        stopNode(stop, reply, now);
      } else if (request instanceof VerifyRequest verify) {
        List<VerifyCoordinator.Member> members = new ArrayList<>();
        java.util.Set<String> down = new java.util.HashSet<>();
        for (NodeInfo member : cluster.nodes()) {
          members.add(new VerifyCoordinator.Member(member.id(), new Endpoint(member.host(), member.port())));
          if ("DOWN".equals(member.status())) {
            down.add(member.id());
          }
        }
        Admin a = admin;
        Consumer<Reply> withCleanup = r -> reply.accept(
            r instanceof VerifyReply v ? v.withCleanupStartsInMs(a.cleanupStartsInMs()) : r);
        run(new VerifyCoordinator(newId(), verify.requestId(), members, down, settings.replicationFactor(),
            ReplicaService.VERIFY_TOKENS_PER_NODE_MAX, now + Math.max(settings.requestTimeoutMs(), VERIFY_TIMEOUT_MS),
            cluster::ownersOf), withCleanup, null);
      } else if (request instanceof KeysRequest keys) {
        startKeys(keys, reply, now);
      } else if (request instanceof StatsRequest stats) {
        List<Endpoint> live = new ArrayList<>();
        for (NodeInfo member : cluster.nodes()) {
          if (!"DOWN".equals(member.status())) {
            live.add(new Endpoint(member.host(), member.port()));
          }
        }
        run(new StatsCoordinator(newId(), stats.requestId(), live,
            now + Math.min(settings.requestTimeoutMs(), STATS_TIMEOUT_MS)), reply, null);
      } else if (request instanceof WhereRequest where) {
        String bad = checkKey(where.key());
        if (bad != null) {
          refuse(reply, where.requestId(), ErrorCode.BAD_REQUEST, bad);
          return;
        }
        run(new WhereCoordinator(newId(), where.requestId(), where.key(), whereReplicas(where.key()),
            now + settings.requestTimeoutMs()), reply, null);
      } else {
        refuse(reply, request.requestId(), ErrorCode.BAD_REQUEST,
            "unsupported request " + request.getClass().getSimpleName());
      }
    } catch (RuntimeException e) {
      log.error("request {} failed", request.getClass().getSimpleName(), e);
      refuse(reply, request.requestId(), ErrorCode.INTERNAL, "internal error: " + e);
    }
  }

  /** KEYS: the whole ring (every live node) or one node; down nodes are named, not waited for. */
  private void startKeys(KeysRequest keys, Consumer<Reply> reply, long now) {
    int limit = keys.limit() <= 0 ? KEYS_PAGE_DEFAULT : Math.min(keys.limit(), KEYS_PAGE_MAX);
    if (keys.after() != null && keys.after().length > storage.limits().keyBytesMax()) {
      refuse(reply, keys.requestId(), ErrorCode.BAD_REQUEST, "the cursor is " + keys.after().length
          + " bytes, over the key limit keyBytesMax=" + storage.limits().keyBytesMax());
      return;
    }
    List<KeysCoordinator.Member> ask = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    boolean named = false;
    for (NodeInfo member : cluster.nodes()) {
      if (keys.nodeId() != null && !keys.nodeId().equals(member.id())) {
        continue;
      }
      named = true;
      if ("DOWN".equals(member.status())) {
        skipped.add(member.id());
      } else {
        ask.add(new KeysCoordinator.Member(member.id(), new Endpoint(member.host(), member.port())));
      }
    }
    if (keys.nodeId() != null && !named) {
      refuse(reply, keys.requestId(), ErrorCode.BAD_REQUEST, "no node '" + keys.nodeId() + "' in the cluster");
      return;
    }
    if (keys.nodeId() != null && ask.isEmpty()) {
      refuse(reply, keys.requestId(), ErrorCode.UNAVAILABLE, "node " + keys.nodeId() + " is down");
      return;
    }
    // every node scans its whole store for a page: give it longer than a request
    run(new KeysCoordinator(newId(), keys.requestId(), ask, skipped, keys.after(), limit,
        now + Math.max(settings.requestTimeoutMs(), 10_000)), reply, null);
  }

  /**
   * STOP: this node stops itself; another live member is asked to stop through the internode
   * connection (a {@link ForwardCoordinator}), and its answer relayed.
   */
  private void stopNode(StopNodeRequest stop, Consumer<Reply> reply, long now) {
    String target = stop.nodeId() == null ? "" : stop.nodeId().strip();
    if (target.isEmpty()) {
      refuse(reply, stop.requestId(), ErrorCode.BAD_REQUEST, "STOP needs the id of the node to stop");
      return;
    }
    if (target.equals(nodeId)) {
      admin.stop().whenComplete((message, error) -> adminDone(reply, stop.requestId(), message, error));
      return;
    }
    for (NodeInfo member : cluster.nodes()) {
      if (member.id().equals(target)) {
        if ("DOWN".equals(member.status())) {
          refuse(reply, stop.requestId(), ErrorCode.BAD_REQUEST, target + " is down already (as " + nodeId
              + " sees it): nothing to stop");
          return;
        }
        run(new ForwardCoordinator(newId(), stop.requestId(), target, new Endpoint(member.host(), member.port()),
            id -> new StopNodeRequest(id, target), now + settings.requestTimeoutMs()), reply, null);
        return;
      }
    }
    refuse(reply, stop.requestId(), ErrorCode.BAD_REQUEST, "no node " + target + " in the cluster (NODES lists them)");
  }

  /** A STOP forwarded by another node: only the node named stops; it never forwards again. Core thread. */
  private void onForwardedStop(Endpoint from, StopNodeRequest stop) {
    if (!nodeId.equals(stop.nodeId())) {
      send(from, new ErrorReply(stop.requestId(), ErrorCode.BAD_REQUEST, "this is " + nodeId + ", not "
          + stop.nodeId() + ": not stopped"));
      return;
    }
    admin.stop().whenComplete((message, error) -> adminDone(m -> send(from, m), stop.requestId(), message, error));
  }

  /**
   * Too few of the key's replicas are alive for the quorum asked: refused before anything is sent or
   * stored (Cassandra's UnavailableException), with the numbers a downgrading client retries with.
   */
  private void refuseUnavailable(Consumer<Reply> reply, long requestId, String what, int required, int countable,
      int reachable) {
    metrics.error(ErrorCode.UNAVAILABLE);
    // "alive" in the reply is every replica a downgraded (sloppy) retry could use: live owners and
    // stand-ins, so the last node alive still answers (seed 002) when both owners of a key are down
    reply.accept(new ErrorReply(requestId, ErrorCode.UNAVAILABLE, countable + " of " + required
        + " required replicas reachable for this " + what + " (the others are down); nothing was "
        + ("read".equals(what) ? "read" : "stored"), required, reachable));
  }

  /** Answers an admin request that ran in the background (LEAVE, REMOVE): its line, or its failure. */
  private static void adminDone(Consumer<Reply> reply, long requestId, String message, Throwable error) {
    if (error == null) {
      reply.accept(new AdminReply(requestId, message));
    } else {
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      reply.accept(new ErrorReply(requestId, ErrorCode.UNAVAILABLE, cause.getMessage()));
    }
  }

  private void startWrite(long requestId, byte[] key, byte[] value, byte[] contextBytes, int wAsked, int timeoutMs,
      long writeId, boolean sloppyAsked, Consumer<Reply> reply, long now) {
    boolean sloppy = settings.sloppyQuorum() || sloppyAsked;
    int n = settings.replicationFactor();
    String bad = checkKey(key);
    int w = wAsked == 0 ? settings.defaultW() : wAsked;
    if (bad == null) {
      bad = checkQuorum("W", w, n);
    }
    if (bad != null) {
      refuse(reply, requestId, ErrorCode.BAD_REQUEST, bad);
      return;
    }
    if (value != null && value.length > storage.limits().valueBytesMax()) {
      refuse(reply, requestId, ErrorCode.LIMIT_EXCEEDED, "value is " + value.length
          + " bytes, over the limit valueBytesMax=" + storage.limits().valueBytesMax());
      return;
    }
    VersionVector context;
    try {
      context = contextBytes == null || contextBytes.length == 0 ? VersionVector.EMPTY : contexts.decode(contextBytes);
    } catch (IllegalArgumentException e) {
      refuse(reply, requestId, ErrorCode.BAD_REQUEST, "causal context is not valid: " + e.getMessage());
      return;
    }
    WritePlan plan = WritePlan.of(cluster, key, n, w, sloppy, self);
    if (!plan.available(w)) {
      refuseUnavailable(reply, requestId, value == null ? "delete" : "write", w, plan.countable(), plan.reachable());
      return;
    }
    run(new PutCoordinator(newId(), requestId, key, value, context, plan.targets(), plan.acks(),
            now + timeout(timeoutMs), settings.mintTimeoutMs(), contexts::encode)
            .withOwnersWithoutStandIn(plan.ownersWithoutStandIn()).withWriteId(writeId).withSloppyQuorum(sloppy),
        reply,
        (value == null ? metrics.coordinatorDelete : metrics.coordinatorPut).time());
  }

  private List<Replica> whereReplicas(byte[] key) {
    int n = settings.replicationFactor();
    List<Replica> all = new ArrayList<>(cluster.primaries(key, n));
    for (Replica t : cluster.targets(key, n)) {
      if (t.isFallback()) {
        all.add(t);
      }
    }
    return all;
  }

  private long timeout(int askedMs) {
    return askedMs > 0 ? Math.min(askedMs, 60_000) : settings.requestTimeoutMs();
  }

  private String checkKey(byte[] key) {
    String bad = settings.keyFormat().check(key);
    if (bad == null && key.length > storage.limits().keyBytesMax()) {
      bad = "key is " + key.length + " bytes, over the limit keyBytesMax=" + storage.limits().keyBytesMax();
    }
    return bad;
  }

  private static String checkQuorum(String name, int q, int n) {
    return q < 1 || q > n ? name + "=" + q + " is out of range: it must be 1.." + n + " (the replication factor)" : null;
  }

  private void refuse(Consumer<Reply> reply, long requestId, ErrorCode code, String message) {
    metrics.error(code);
    reply.accept(new ErrorReply(requestId, code, message));
  }

  InfoReply info(long requestId) {
    List<String> warnings = new ArrayList<>();
    int live = cluster.liveNodes();
    if (live < settings.replicationFactor()) {
      warnings.add("cluster size (" + live + ") is smaller than a replication factor ("
          + settings.replicationFactor() + ")");
    }
    return new InfoReply(requestId, nodeId, clusterName(), settings.replicationFactor(), settings.defaultR(),
        settings.defaultW(), settings.keyFormat().wireName(), cluster.nodes(), warnings);
  }

  private volatile String clusterName = "ringkv";

  public void setClusterName(String name) {
    this.clusterName = name;
  }

  private String clusterName() {
    return clusterName;
  }

  private long newId() {
    return ++nextInternalId;
  }

  private void run(Coordinator c, Consumer<Reply> client, Timer.Context timing) {
    Active a = new Active(c, client, timing);
    active.put(c.internalId(), a);
    metrics.requestsInFlight.inc();
    apply(a, c.start(clock.nowMs()));
  }

  private void apply(Active a, Step step) {
    Reply local = null;
    for (Step.Send s : step.sends()) {
      if (local == null && servesOnCore(s)) {
        // this node's own replica read or mint, served here on the core thread instead of a storage
        // thread (RequestSettings.localReplicaOnCore); its reply reaches the coordinator once this step
        // is applied, so the remote sends above and below go out first
        local = replicas.serve((Request) s.message());
      } else {
        send(s.to(), s.message());
      }
    }
    if (step.readRepairs() > 0) {
      metrics.readRepairs.inc(step.readRepairs());
    }
    Reply reply = step.reply();
    if (reply != null) {
      if (a.timing != null) {
        a.timing.stop();
      }
      if (reply instanceof ErrorReply e) {
        metrics.error(e.code());
      }
      a.client.accept(reply);
    }
    if (step.finished()) {
      active.remove(a.coordinator.internalId());
      metrics.requestsInFlight.dec();
      if (a.timer != null) {
        a.timer.cancel();
      }
      return; // a local reply has no one left to hear it, as a late replica reply
    }
    long wake = step.wakeAtMs();
    if (wake >= 0 && wake != a.timerAtMs) {
      if (a.timer != null) {
        a.timer.cancel();
      }
      a.timerAtMs = wake;
      long id = a.coordinator.internalId();
      a.timer = core.schedule(Math.max(0, wake - clock.nowMs()), () -> onTimer(id));
    }
    if (local != null) {
      onReplicaReply(self, local);
    }
  }

  private boolean servesOnCore(Step.Send s) {
    return settings.localReplicaOnCore() && s.to().equals(self)
        && (s.message() instanceof ReplicaRead || s.message() instanceof ReplicaWrite);
  }

  private void onTimer(long internalId) {
    Active a = active.get(internalId);
    if (a != null) {
      a.timerAtMs = -1;
      a.timer = null;
      apply(a, a.coordinator.onTimer(clock.nowMs()));
    }
  }

  private void onReplicaReply(Endpoint from, Reply reply) {
    Active a = active.get(reply.requestId());
    if (a != null) {
      apply(a, a.coordinator.onReply(from, reply, clock.nowMs()));
      return;
    }
    ReplyCallback callback = callbacks.remove(reply.requestId());
    if (callback != null) {
      callback.onReply(from, reply);
    }
  }

  private final Map<Long, ReplyCallback> callbacks = new HashMap<>();

  /** {@inheritDoc} Must be called on the core thread, as every {@link ReplicaRpc} call. */
  @Override
  public long request(Endpoint to, java.util.function.LongFunction<Request> build, ReplyCallback callback) {
    long id = newId();
    callbacks.put(id, callback);
    send(to, build.apply(id));
    return id;
  }

  @Override
  public void forget(long requestId) {
    callbacks.remove(requestId);
  }

  /** The core scheduler, for subsystems that keep their state on the core thread. */
  public Scheduler core() {
    return core;
  }

  public Clock clock() {
    return clock;
  }

  /** Requests this node coordinates right now. */
  public int inFlight() {
    return active.size();
  }

  // ---------------------------------------------------------------- network

  /** Sends to a replica; to this node itself without touching the network. */
  public void send(Endpoint to, Message message) {
    if (to.equals(self)) {
      onMessage(self, message);
    } else {
      transport.send(to, message);
    }
  }

  /** Every node message, from a peer or from this node itself, goes through {@link #routes()}. */
  @Override
  public void onMessage(Endpoint from, Message message) {
    routes.onMessage(from, message);
  }
}
