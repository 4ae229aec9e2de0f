package io.ringkv.antientropy;

import io.ringkv.runtime.Throttle;
import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.AntiEntropyMessages;
import io.ringkv.internode.AntiEntropyMessages.FetchReply;
import io.ringkv.internode.AntiEntropyMessages.FetchRequest;
import io.ringkv.internode.AntiEntropyMessages.GcCheck;
import io.ringkv.internode.AntiEntropyMessages.GcCheckReply;
import io.ringkv.internode.AntiEntropyMessages.KeysReply;
import io.ringkv.internode.AntiEntropyMessages.KeysRequest;
import io.ringkv.internode.AntiEntropyMessages.PushReply;
import io.ringkv.internode.AntiEntropyMessages.PushRequest;
import io.ringkv.internode.AntiEntropyMessages.TreeReply;
import io.ringkv.internode.AntiEntropyMessages.TreeRequest;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.ring.Ring;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active anti-entropy and tombstone GC of one node (Dynamo section 4.7; Riak AAE; Cassandra repair;
 * Scylla's repair-based tombstone GC). The driver around the pure {@link RangeExchange}: it owns the
 * node's hash trees (kept current by {@link #storage()}, the storage decorator the node must run on),
 * schedules exchanges, serves peers' exchange requests, and purges tombstones every replica holds.
 *
 * <p>Threads: scheduling and exchange state live on the node's core {@link Scheduler}; storage work
 * (scans, fetches, merges, purges) runs on {@code work}, a bounded executor of its own, never on a
 * network thread or the request path's storage threads. Under simulation both are the simulator's.
 *
 * <p>Scheduling: every {@code exchangeIntervalMs} the node takes the next (range, peer) pair round-robin
 * among the ranges it replicates and their other live replicas, skips a range with an exchange running,
 * and starts at most {@code exchangesInFlightMax}. Exchanges are cancelled when their peer goes down or
 * the ring changes. See docs/anti-entropy.md.
 */
public final class AntiEntropy {
  private static final Logger log = LoggerFactory.getLogger(AntiEntropy.class);

  /** After a ring change, wait this long for more changes before re-laying out the trees (gossip settles). */
  static final long RING_SETTLE_MS = 2_000;

  private final String localId;
  private final int n;
  private final AntiEntropyConfig config;
  private final AntiEntropyStorage storage;
  private final Supplier<Ring> ring;
  private final Predicate<String> isAlive;
  private final Clock clock;
  private final Scheduler core;
  private final Executor work;
  private final BiConsumer<Endpoint, Message> sender;
  private final Throttle bytesThrottle;
  private final Throttle keysThrottle;

  private final Map<Long, Running> running = new HashMap<>();
  private long nextId;
  private int roundRobin;
  private boolean started;
  private Scheduler.Cancellable tickTimer;
  private Scheduler.Cancellable relayoutTimer;
  /** Tombstone GC: its sweeps, their confirmations by the other replicas, the purges. */
  private final TombstoneGc gc;

  final Counter exchangesStarted;
  final Counter exchangesCompleted;
  final Counter exchangesFailed;
  final Counter exchangesCancelled;
  final Counter keysCompared;
  final Counter keysRepaired;
  final Counter bytesSent;
  final Counter bytesReceived;
  final Counter tombstonesPurged;
  final Counter rebuilds;
  final Timer exchangeTime;
  private final List<RangeExchange.Result> history = new ArrayList<>();
  /** Results kept for {@link #recentResults} (default 64). */
  static final int HISTORY_MAX = 64;

  private final class Running {
    final RangeExchange exchange;
    final Endpoint peer;
    Scheduler.Cancellable timer;
    long timerAtMs = -1;

    Running(RangeExchange exchange, Endpoint peer) {
      this.exchange = exchange;
      this.peer = peer;
    }
  }

  /**
   * @param raw the node's storage engine; hand {@link #storage()} to the request path instead
   * @param ring the current ring (Membership::ring)
   * @param isAlive liveness of a node id (Membership::isAlive)
   * @param work the executor of anti-entropy storage work, bounded by {@code workQueueMax}
   * @param sender sends a message to a peer (the node's transport)
   */
  public AntiEntropy(String localId, int replicationFactor, AntiEntropyConfig config, StorageEngine raw,
      Supplier<Ring> ring, Predicate<String> isAlive, Clock clock, Scheduler core, Executor work,
      BiConsumer<Endpoint, Message> sender, MetricRegistry metrics) {
    this(localId, replicationFactor, config, raw, ring, isAlive, clock, core, work, sender, metrics,
        new PurgeLog(config.purgeLogEntriesMax(), config.purgeLogRetentionMs()));
  }

  /**
   * As the constructor above, with the purge log kept in {@code dataDir} ({@value PurgeLogFile#FILE}),
   * so a restarted node still refuses what it purged; null keeps it in memory.
   *
   * @throws IOException when the purge log cannot be opened or read (a damaged tail is cut off, not an error)
   */
  public AntiEntropy(String localId, int replicationFactor, AntiEntropyConfig config, StorageEngine raw,
      Supplier<Ring> ring, Predicate<String> isAlive, Clock clock, Scheduler core, Executor work,
      BiConsumer<Endpoint, Message> sender, MetricRegistry metrics, Path dataDir) throws IOException {
    this(localId, replicationFactor, config, raw, ring, isAlive, clock, core, work, sender, metrics,
        dataDir == null ? new PurgeLog(config.purgeLogEntriesMax(), config.purgeLogRetentionMs())
            : PurgeLog.open(dataDir.resolve(PurgeLogFile.FILE), config.purgeLogEntriesMax(),
                config.purgeLogRetentionMs(), clock.nowMs()));
  }

  private AntiEntropy(String localId, int replicationFactor, AntiEntropyConfig config, StorageEngine raw,
      Supplier<Ring> ring, Predicate<String> isAlive, Clock clock, Scheduler core, Executor work,
      BiConsumer<Endpoint, Message> sender, MetricRegistry metrics, PurgeLog purgeLog) {
    this.localId = localId;
    this.n = replicationFactor;
    this.config = config;
    this.ring = ring;
    this.isAlive = isAlive;
    this.clock = clock;
    this.core = core;
    this.work = work;
    this.sender = sender;
    this.bytesThrottle = new Throttle(config.repairBytesPerSecond());
    this.keysThrottle = new Throttle(config.repairKeysPerSecond());
    TreeLayout initial = raw.stats().keys() == 0
        ? TreeLayout.empty(ring.get(), n, localId, config.treeLevels())
        : TreeLayout.building(ring.get(), n, localId, config.treeLevels(), (int) Math.min(raw.stats().keys(), 1 << 24));
    this.storage = new AntiEntropyStorage(raw, purgeLog, initial);
    String p = "ringkv.antientropy.";
    exchangesStarted = metrics.counter(p + "exchanges.started");
    exchangesCompleted = metrics.counter(p + "exchanges.completed");
    exchangesFailed = metrics.counter(p + "exchanges.failed");
    exchangesCancelled = metrics.counter(p + "exchanges.cancelled");
    keysCompared = metrics.counter(p + "keys.compared");
    keysRepaired = metrics.counter(p + "keys.repaired");
    bytesSent = metrics.counter(p + "bytes.sent");
    bytesReceived = metrics.counter(p + "bytes.received");
    tombstonesPurged = metrics.counter(p + "tombstones.purged");
    rebuilds = metrics.counter(p + "trees.rebuilds");
    exchangeTime = metrics.timer(p + "exchange.time");
    metrics.register(p + "trees.keys", (Gauge<Long>) () -> storage.layout().keyCount());
    metrics.register(p + "trees.count", (Gauge<Integer>) () -> storage.layout().groups().size());
    metrics.register(p + "purgelog.size", (Gauge<Integer>) () -> storage.purgeLog().size());
    metrics.register(p + "merges.refused", (Gauge<Long>) storage.mergesRefused::get);
    this.gc = new TombstoneGc(this, localId, config, storage, isAlive, clock, core, sender, tombstonesPurged);
  }

  /**
   * The executor of a real node's anti-entropy storage work: its own daemon thread
   * {@code ringkv-antientropy-<id>} with a queue of {@code workQueueMax} tasks (scans walk the store on
   * it a chunk at a time, {@link PacedScan}). Its owner shuts it down after {@link #close}.
   */
  public static ThreadPoolExecutor workThread(String localId, AntiEntropyConfig config) {
    return new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.workQueueMax()), r -> {
      Thread t = new Thread(r, "ringkv-antientropy-" + localId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Stops scheduling; the executor is its owner's to shut down. */
  public void close() {
    stop();
  }

  /** The storage the node must run on: every mutation updates the trees and passes the resurrection guard. */
  public StorageEngine storage() {
    return storage;
  }

  public AntiEntropyConfig config() {
    return config;
  }

  /** Starts the background rebuild (if the store holds data), the exchange ticks and the GC sweeps. */
  public void start() {
    core.execute(() -> {
      started = true;
      TreeLayout l = storage.layout();
      if (l.building() || l.fingerprint() != TreeLayout.fingerprint(ring.get(), n)) {
        // a starting node's ring changes as gossip arrives: scan once, after it settles
        relayoutTimer = core.schedule(RING_SETTLE_MS, this::relayout);
      }
      tickTimer = core.schedule(config.exchangeIntervalMs(), this::tick);
      gc.start();
    });
  }

  public void stop() {
    core.execute(() -> {
      started = false;
      gc.stop();
      for (Scheduler.Cancellable c : new Scheduler.Cancellable[] {tickTimer, relayoutTimer}) {
        if (c != null) {
          c.cancel();
        }
      }
      for (Running r : new ArrayList<>(running.values())) {
        apply(r, r.exchange.cancel("stopping", clock.nowMs()));
      }
    });
  }

  /** The ring changed (Membership ring listener; any thread): cancel exchanges, re-lay out the trees. */
  public void onRingChanged() {
    core.execute(() -> {
      for (Running r : new ArrayList<>(running.values())) {
        apply(r, r.exchange.cancel("ring changed", clock.nowMs()));
      }
      if (relayoutTimer != null) {
        relayoutTimer.cancel();
      }
      relayoutTimer = core.schedule(RING_SETTLE_MS, this::relayout);
    });
  }

  private void relayout() {
    relayoutTimer = null;
    Ring r = ring.get();
    if (storage.layout().fingerprint() == TreeLayout.fingerprint(r, n) && !storage.layout().building()) {
      return;
    }
    TreeLayout next = TreeLayout.building(r, n, localId, config.treeLevels(),
        (int) Math.min(storage.stats().keys(), 1 << 24));
    storage.setLayout(next);
    startRebuild(next);
  }

  private void startRebuild(TreeLayout target) {
    rebuilds.inc();
    // key-only: scanned() reads each key's object again under its lock, so the walk need not decode it
    scan(key -> false, (key, ignored) -> {
      if (storage.layout() != target) {
        return false; // re-laid out again: this walk is moot
      }
      storage.scanned(key, target);
      return true;
    }, visited -> {
      if (storage.layout() == target) {
        target.finishBuilding();
        log.info("anti-entropy trees of {} rebuilt: {} ranges, {} keys, {} keys scanned", localId,
            target.groups().size(), target.keyCount(), visited);
      }
    }, () -> core.schedule(config.exchangeIntervalMs(), () -> {
      if (storage.layout() == target) {
        startRebuild(target);
      }
    }));
  }

  /**
   * Walks the whole store at {@code scanKeysPerSecond} ({@link PacedScan}): {@code visit} on the work
   * executor until it returns false, then {@code done} (keys visited) or {@code failed} on the core thread.
   */
  void scan(BiPredicate<byte[], VersionedObject> visit, LongConsumer done, Runnable failed) {
    scan(key -> true, visit, done, failed);
  }

  /**
   * As {@link #scan(BiPredicate, LongConsumer, Runnable)}, decoding only the objects of the keys
   * {@code wantsObject} accepts; {@code visit} gets null for the others.
   */
  void scan(Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit, LongConsumer done,
      Runnable failed) {
    PacedScan.start(storage.delegate(), config.scanKeysPerSecond(), clock, core, work, wantsObject, visit, done,
        failed);
  }

  void submit(Runnable task, Runnable onRejected) {
    try {
      work.execute(task);
    } catch (RejectedExecutionException e) {
      onRejected.run();
    }
  }

  // ---------------------------------------------------------------- scheduling

  private void tick() {
    if (!started) {
      return;
    }
    tickTimer = core.schedule(config.exchangeIntervalMs(), this::tick);
    long now = clock.nowMs();
    for (Running r : new ArrayList<>(running.values())) {
      if (!isAlive.test(r.exchange.peer())) {
        apply(r, r.exchange.cancel("peer " + r.exchange.peer() + " is down", now));
      }
    }
    storage.purgeLog().expire(now);
    if (storage.purgeLog().needsCompaction()) {
      // on the work thread, where purges run: a rewrite never falls between a purge's record and its removal
      submit(this::compactPurgeLog, () -> {});
    }
    startNextExchange();
  }

  /** Starts the next (range, peer) exchange round-robin; returns false when none could start. */
  boolean startNextExchange() {
    TreeLayout layout = storage.layout();
    if (running.size() >= config.exchangesInFlightMax() || layout.building()
        || layout.fingerprint() != TreeLayout.fingerprint(ring.get(), n)) {
      return false;
    }
    List<String[]> pairs = new ArrayList<>();
    for (String group : layout.groups()) {
      for (String peer : layout.replicasOf(group)) {
        if (!peer.equals(localId)) {
          pairs.add(new String[] {group, peer});
        }
      }
    }
    for (int i = 0; i < pairs.size(); i++) {
      String[] pair = pairs.get((roundRobin + i) % pairs.size());
      if (rangeBusy(pair[0]) || !isAlive.test(pair[1])) {
        continue;
      }
      Endpoint peer = layout.ring().endpointOf(pair[1]).orElse(null);
      if (peer == null) {
        continue;
      }
      roundRobin = (roundRobin + i + 1) % pairs.size();
      long now = clock.nowMs();
      RangeExchange x = RangeExchange.compare(++nextId, pair[0], layout.fingerprint(), layout.tree(pair[0]), pair[1],
          config, bytesThrottle, keysThrottle, this::newRequestId, now);
      Running r = new Running(x, peer);
      running.put(x.id(), r);
      exchangesStarted.inc();
      apply(r, x.start(now));
      return true;
    }
    return false;
  }

  /**
   * Starts a sync of every leaf of {@code range} with {@code peerId}, without the tree walk: the seam for
   * streaming a range to a new owner. Core thread; false when the range is busy or unknown.
   */
  boolean startFullSync(String range, String peerId) {
    TreeLayout layout = storage.layout();
    HashTree tree = layout.tree(range);
    Endpoint peer = layout.ring().endpointOf(peerId).orElse(null);
    if (tree == null || peer == null || rangeBusy(range) || layout.building()) {
      return false;
    }
    int[] all = new int[tree.leafCount()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    long now = clock.nowMs();
    RangeExchange x = RangeExchange.forLeaves(++nextId, range, layout.fingerprint(), tree, peerId, config,
        bytesThrottle, keysThrottle, this::newRequestId, now, all);
    Running r = new Running(x, peer);
    running.put(x.id(), r);
    exchangesStarted.inc();
    apply(r, x.start(now));
    return true;
  }

  private boolean rangeBusy(String range) {
    for (Running r : running.values()) {
      if (r.exchange.range().equals(range)) {
        return true;
      }
    }
    return false;
  }

  private long nextRequestId = 1L << 40;

  long newRequestId() {
    return ++nextRequestId;
  }

  private void apply(Running r, RangeExchange.Step step) {
    for (Message m : step.sends) {
      sender.accept(r.peer, m);
    }
    if (step.work != null) {
      doWork(r, step.work);
    }
    if (step.finished != null) {
      finished(r, step.finished);
      return;
    }
    if (step.wakeAtMs >= 0 && step.wakeAtMs != r.timerAtMs) {
      if (r.timer != null) {
        r.timer.cancel();
      }
      r.timerAtMs = step.wakeAtMs;
      r.timer = core.schedule(Math.max(0, step.wakeAtMs - clock.nowMs()), () -> {
        if (running.get(r.exchange.id()) == r) {
          r.timerAtMs = -1;
          apply(r, r.exchange.onTimer(clock.nowMs()));
        }
      });
    }
  }

  private void finished(Running r, RangeExchange.Result result) {
    running.remove(r.exchange.id());
    if (r.timer != null) {
      r.timer.cancel();
    }
    keysCompared.inc(result.keysCompared());
    keysRepaired.inc(result.keysFetched() + result.keysPushed());
    bytesSent.inc(result.bytesSent());
    bytesReceived.inc(result.bytesReceived());
    switch (result.outcome()) {
      case IN_SYNC, REPAIRED -> {
        exchangesCompleted.inc();
        exchangeTime.update(result.endedAtMs() - result.startedAtMs(), TimeUnit.MILLISECONDS);
      }
      case FAILED -> exchangesFailed.inc();
      case CANCELLED -> exchangesCancelled.inc();
    }
    if (result.outcome() == RangeExchange.Outcome.REPAIRED || result.outcome() == RangeExchange.Outcome.FAILED) {
      log.debug("exchange of {} with {}: {}", r.exchange.range(), r.exchange.peer(), result);
    }
    history.add(result);
    if (history.size() > HISTORY_MAX) {
      history.remove(0);
    }
  }

  /** The last results of exchanges this node initiated, oldest first (core thread). */
  List<RangeExchange.Result> recentResults() {
    return List.copyOf(history);
  }

  int runningExchanges() {
    return running.size();
  }

  private void doWork(Running r, RangeExchange.Work w) {
    TreeLayout layout = storage.layout();
    if (w instanceof RangeExchange.ListLocal list) {
      if (layout.tree(list.range()) == null) {
        core.execute(() -> {
          if (running.get(r.exchange.id()) == r) {
            apply(r, r.exchange.onLocalListing(list.leaves().length, List.of(), clock.nowMs()));
          }
        });
        return;
      }
      LeafLister lister = new LeafLister(layout, list.range(), list.leaves(), list.bytesMax());
      scan(lister::wantsObject, lister, visited -> {
        if (running.get(r.exchange.id()) == r) {
          LeafLister.Listing l = lister.listing();
          apply(r, r.exchange.onLocalListing(l.completeLeaves(), l.entries(), clock.nowMs()));
        }
      }, () -> {
        if (running.get(r.exchange.id()) == r) {
          apply(r, r.exchange.cancel("anti-entropy work queue full", clock.nowMs()));
        }
      });
    } else if (w instanceof RangeExchange.MergeAndRead mr) {
      submit(() -> {
        List<byte[]> readKeys = new ArrayList<>(mr.readKeys());
        List<VersionedObject> read = new ArrayList<>();
        List<byte[]> pushBack = new ArrayList<>();
        List<VersionedObject> pushBackObjects = new ArrayList<>();
        List<byte[]> converged = new ArrayList<>();
        boolean fromFetch = mr.readKeys().isEmpty();
        for (int i = 0; i < mr.mergeKeys().size(); i++) {
          VersionedObject incoming = mr.objects().get(i);
          VersionedObject result = storage.merge(mr.mergeKeys().get(i), incoming);
          if (result.equals(incoming)) {
            converged.add(mr.mergeKeys().get(i));
          } else if (fromFetch && result.siblings().isEmpty()) {
            // refused by the purge guard: tell the peer, so it drops what the purged tombstone covers
            pushBack.add(mr.mergeKeys().get(i));
            pushBackObjects.add(result);
          }
        }
        for (byte[] k : mr.readKeys()) {
          read.add(storage.get(k));
        }
        readKeys.addAll(pushBack);
        read.addAll(pushBackObjects);
        core.execute(() -> {
          if (running.get(r.exchange.id()) == r) {
            apply(r, r.exchange.onLocalObjects(readKeys, read, converged, clock.nowMs()));
          }
        });
      }, () -> core.execute(() -> apply(r, r.exchange.cancel("anti-entropy work queue full", clock.nowMs()))));
    }
  }

  // ---------------------------------------------------------------- messages

  /** Handles an anti-entropy message; false when {@code message} is not one. Safe from any thread. */
  public boolean onMessage(Endpoint from, Message message) {
    if (message instanceof TreeReply || message instanceof KeysReply || message instanceof FetchReply
        || message instanceof PushReply) {
      core.execute(() -> onReply(from, (Reply) message));
    } else if (message instanceof GcCheckReply g) {
      core.execute(() -> gc.onReply(from, g));
    } else if (message instanceof TreeRequest t) {
      sender.accept(from, serveTree(t));
    } else if (message instanceof KeysRequest k) {
      core.execute(() -> serveKeys(from, k));
    } else if (message instanceof FetchRequest f) {
      submit(() -> sender.accept(from, serveFetch(f)),
          () -> sender.accept(from, new FetchReply(f.requestId(), AntiEntropyMessages.BUSY, List.of(), List.of())));
    } else if (message instanceof PushRequest p) {
      submit(() -> sender.accept(from, servePush(p)),
          () -> sender.accept(from, new PushReply(p.requestId(), AntiEntropyMessages.BUSY, List.of(), List.of())));
    } else if (message instanceof GcCheck g) {
      submit(() -> sender.accept(from, serveGcCheck(g)),
          () -> sender.accept(from, new GcCheckReply(g.requestId(), AntiEntropyMessages.BUSY, new byte[0])));
    } else {
      return false;
    }
    return true;
  }

  private void onReply(Endpoint from, Reply reply) {
    for (Running r : running.values()) {
      if (r.exchange.awaits(reply.requestId())) {
        apply(r, r.exchange.onReply(reply, clock.nowMs()));
        return;
      }
    }
  }

  private int check(String range, long fingerprint) {
    TreeLayout layout = storage.layout();
    if (layout.fingerprint() != fingerprint) {
      return AntiEntropyMessages.RING_MISMATCH;
    }
    if (layout.building()) {
      return AntiEntropyMessages.NOT_READY;
    }
    return layout.tree(range) == null ? AntiEntropyMessages.UNKNOWN_RANGE : AntiEntropyMessages.OK;
  }

  TreeReply serveTree(TreeRequest t) {
    int status = check(t.range(), t.ringFingerprint());
    if (status != AntiEntropyMessages.OK) {
      return new TreeReply(t.requestId(), status, new byte[0]);
    }
    HashTree tree = storage.layout().tree(t.range());
    if (t.level() == 0) {
      return new TreeReply(t.requestId(), status, Packed.longs(new long[] {tree.root()}));
    }
    int[] parents = Packed.ints(t.parents());
    int parentsMax = 1 << (HashTree.FANOUT_BITS * (t.level() - 1));
    if (t.level() > tree.levels() || parents.length > parentsMax) {
      return new TreeReply(t.requestId(), AntiEntropyMessages.UNKNOWN_RANGE, new byte[0]);
    }
    for (int p : parents) {
      if (p < 0 || p >= parentsMax) {
        return new TreeReply(t.requestId(), AntiEntropyMessages.UNKNOWN_RANGE, new byte[0]);
      }
    }
    return new TreeReply(t.requestId(), status, Packed.longs(tree.children(t.level(), parents)));
  }

  private void serveKeys(Endpoint from, KeysRequest k) {
    int status = check(k.range(), k.ringFingerprint());
    int[] leaves = Packed.ints(k.leaves());
    TreeLayout layout = storage.layout();
    if (status == AntiEntropyMessages.OK) {
      for (int leaf : leaves) {
        if (leaf < 0 || leaf >= layout.tree(k.range()).leafCount()) {
          status = AntiEntropyMessages.UNKNOWN_RANGE;
        }
      }
    }
    if (status != AntiEntropyMessages.OK) {
      sender.accept(from, new KeysReply(k.requestId(), status, 0, new byte[0]));
      return;
    }
    int bytesMax = Math.min(k.bytesMax(), config.listingBytesMax());
    LeafLister lister = new LeafLister(layout, k.range(), leaves, bytesMax);
    scan(lister::wantsObject, lister, visited -> {
      LeafLister.Listing l = lister.listing();
      Packed.ListingWriter w = new Packed.ListingWriter();
      for (Packed.Entry e : l.entries()) {
        w.add(e.key(), e.digest());
      }
      sender.accept(from, new KeysReply(k.requestId(), AntiEntropyMessages.OK, l.completeLeaves(), w.toBytes()));
    }, () -> sender.accept(from, new KeysReply(k.requestId(), AntiEntropyMessages.BUSY, 0, new byte[0])));
  }

  FetchReply serveFetch(FetchRequest f) {
    List<byte[]> keys = new ArrayList<>();
    List<VersionedObject> objects = new ArrayList<>();
    long size = 0;
    for (byte[] key : f.keys()) {
      if (keys.size() >= config.batchKeysMax()) {
        break;
      }
      VersionedObject o = storage.get(key);
      long s = WireSize.of(o) + key.length;
      if (!keys.isEmpty() && size + s > config.batchBytesMax()) {
        break;
      }
      keys.add(key);
      objects.add(o);
      size += s;
    }
    return new FetchReply(f.requestId(), AntiEntropyMessages.OK, keys, objects);
  }

  PushReply servePush(PushRequest p) {
    List<byte[]> purgedKeys = new ArrayList<>();
    List<VersionedObject> contexts = new ArrayList<>();
    int count = Math.min(p.keys().size(), p.objects().size());
    for (int i = 0; i < count; i++) {
      VersionedObject o = p.objects().get(i);
      if (o == null) {
        continue;
      }
      VersionedObject result = storage.merge(p.keys().get(i), o);
      if (result.siblings().isEmpty() && !o.siblings().isEmpty()) {
        purgedKeys.add(p.keys().get(i));
        contexts.add(result);
      }
    }
    return new PushReply(p.requestId(), AntiEntropyMessages.OK, purgedKeys, contexts);
  }

  GcCheckReply serveGcCheck(GcCheck g) {
    int count = Math.min(g.keys().size(), g.tombstones().size());
    byte[] holds = new byte[count];
    for (int i = 0; i < count; i++) {
      VersionedObject t = g.tombstones().get(i);
      VersionedObject now = storage.merge(g.keys().get(i), t);
      holds[i] = (byte) (now.subsumes(t) ? 1 : 0);
    }
    return new GcCheckReply(g.requestId(), AntiEntropyMessages.OK, holds);
  }

  // ---------------------------------------------------------------- tombstone GC

  /** Starts a GC sweep now unless one is running (tests and admin use). */
  void startGcRound() {
    gc.startRound();
  }

  /** A tombstone-only object (or a bare context) whose every tombstone is older than the grace. */
  static boolean purgeable(VersionedObject o, long horizonMs) {
    return TombstoneGc.purgeable(o, horizonMs);
  }

  /** Rewrites the purge log file if it holds more than about twice the live entries. Work thread. */
  void compactPurgeLog() {
    PurgeLog p = storage.purgeLog();
    if (!p.needsCompaction()) {
      return;
    }
    try {
      p.compact();
    } catch (IOException | RuntimeException e) {
      log.warn("purge log compaction failed (the file keeps growing until the next attempt): {}", e.toString());
    }
  }

}
