package io.ringkv.node;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleanup: a node drops the copies it holds of keys it neither owns nor will own, handover first. Such
 * copies are left by a join (the new node took ranges from their former owners), by a removal or a
 * replication change, or by a stand-in whose hint delivery could not drop its copy. For each such key the
 * node sends its object to every current owner, and only when all of them acknowledged it (so each holds
 * at least this version) removes its copy, and only if the copy did not change meanwhile. Nothing the
 * node holds is dropped before the owners hold it: a failed or unanswered handover keeps the copy for the
 * next pass.
 *
 * <p>When: a pass runs once the ring has been stable for {@link #settleMs} (no member JOINING or
 * LEAVING, this node UP), after every ring change and every {@link #PERIOD_MS}. The keys a pass kept (an
 * owner down, a handover unanswered) are retried on their own, without a scan, after the settle time and
 * then at doubling intervals up to {@link #RETRY_MAX_MS}: a partition or a pause during a pass must not
 * leave its copies on a non-owner until the periodic pass, ten minutes later. One pass looks at most
 * {@link #KEYS_PER_PASS} keys (a bound on its memory) and goes again at once when it had more. Throttled
 * by {@link Handover} (merges in flight, bytes per second), one pass at a time, on a thread of its own.
 * Riak drops a vnode's data only after ownership handoff completed, for the same reason; Cassandra leaves it
 * to the operator ({@code nodetool cleanup}).
 */
final class Cleanup {
  private static final Logger log = LoggerFactory.getLogger(Cleanup.class);
  /** How long the ring must be unchanged (and no member in transition) before a pass (default 10 s). */
  static final long SETTLE_MS = 10_000;
  /** A pass also runs this often, for copies whose handover failed before (default 10 min). */
  static final long PERIOD_MS = 600_000;
  /** Keys one pass looks at, at most (bounds the pass's key list: ~100 bytes a key). */
  static final int KEYS_PER_PASS = 100_000;
  /** The longest wait between two retries of the keys a pass kept (the first waits the settle time). */
  static final long RETRY_MAX_MS = 30_000;
  /** Keys handed over between two drop rounds (bounds the objects held for the drop). */
  static final int BATCH = 1024;

  /** What one pass did. */
  record Result(long candidates, long dropped, long kept, boolean aborted, boolean more, List<byte[]> keptKeys) {
    Result(long candidates, long dropped, long kept, boolean aborted, boolean more) {
      this(candidates, dropped, kept, aborted, more, List.of());
    }
  }

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  private final long settleMs;
  private final Counter droppedCounter;
  private final Counter keptCounter;
  private final Object lock = new Object();
  private long ringChangedAtNanos = System.nanoTime();
  private boolean due = true;
  /** The keys the last pass kept, retried alone at {@link #retryAtNanos}; empty when none. */
  private List<byte[]> retry = List.of();
  private long retryAtNanos;
  private long retryDelayMs;
  private volatile boolean passRunning;
  private volatile boolean closed;
  private Thread thread;

  Cleanup(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      long settleMs, MetricRegistry metrics) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.settleMs = settleMs;
    this.droppedCounter = metrics.counter("ringkv.cleanup.dropped");
    this.keptCounter = metrics.counter("ringkv.cleanup.kept");
  }

  /** Called on every ring change: a pass becomes due once the ring has settled. */
  void onRingChanged() {
    synchronized (lock) {
      ringChangedAtNanos = System.nanoTime();
      due = true;
      lock.notifyAll();
    }
  }

  /**
   * When the next pass starts, for VERIFY: 0 while one runs, the milliseconds until the ring has been
   * stable for the settle time when a pass is due, {@code -1} when none is due (the periodic pass aside).
   */
  long startsInMs() {
    if (passRunning) {
      return 0;
    }
    synchronized (lock) {
      if (!due) {
        return -1;
      }
      long settledFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ringChangedAtNanos);
      return Math.max(0, settleMs - settledFor);
    }
  }

  void start() {
    thread = new Thread(this::loop, "ringkv-cleanup-" + selfId);
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the pass under way, waiting (bounded) for it to let go of the storage. */
  void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop() {
    long lastPass = System.nanoTime();
    try {
      while (!closed) {
        List<byte[]> only;
        synchronized (lock) {
          long now = System.nanoTime();
          long settledFor = TimeUnit.NANOSECONDS.toMillis(now - ringChangedAtNanos);
          boolean periodic = TimeUnit.NANOSECONDS.toMillis(now - lastPass) >= PERIOD_MS;
          boolean retryDue = !retry.isEmpty() && now - retryAtNanos >= 0;
          if (!(due || periodic || retryDue) || settledFor < settleMs) {
            lock.wait(due ? Math.max(1, settleMs - settledFor) : 1_000);
            continue;
          }
          only = due || periodic ? null : retry; // a full pass finds the kept keys again
          due = false;
          retry = List.of();
        }
        Result r;
        passRunning = true;
        try {
          r = runOnce(only);
        } catch (RuntimeException e) {
          // a busy core thread or a storage error fails this pass, not cleanup: try again once settled
          log.warn("cleanup pass failed; retrying after {} ms: {}", settleMs, e.toString());
          r = new Result(0, 0, 0, true, false);
        }
        passRunning = false;
        if (only == null) {
          lastPass = System.nanoTime();
        }
        synchronized (lock) {
          if (r.keptKeys().isEmpty()) {
            retryDelayMs = 0;
          } else {
            retryDelayMs = retryDelayMs == 0 ? Math.max(1, settleMs) : Math.min(RETRY_MAX_MS, retryDelayMs * 2);
            retry = r.keptKeys();
            retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryDelayMs);
          }
        }
        if (r.aborted() || r.more()) {
          synchronized (lock) {
            due = true;
            if (r.aborted()) {
              ringChangedAtNanos = System.nanoTime(); // in transition: wait for it to settle again
            }
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Snapshot(Ring ring, Map<String, Endpoint> alive) {}

  /** A copy every owner acknowledged: dropped if it is still the stored object. */
  private record Handed(byte[] key, VersionedObject object) {}

  /** The ring and the live owners' endpoints, or null while the ring is changing or this node is not UP. */
  private Snapshot snapshot() throws InterruptedException {
    return Handover.onCore(node, () -> {
      if (membership.inTransition() || membership.gossiper().localMember().status() != MemberStatus.UP) {
        return null;
      }
      Ring ring = membership.ring();
      Map<String, Endpoint> alive = new HashMap<>();
      for (String id : ring.nodeIds()) {
        Endpoint e = membership.endpointIfAlive(id);
        if (e != null) {
          alive.put(id, e);
        }
      }
      return new Snapshot(ring, alive);
    });
  }

  /** One full pass; blocks the calling thread (not the core thread). */
  Result runOnce() throws InterruptedException {
    return runOnce(null);
  }

  /**
   * One pass over every key held ({@code only} null) or over the keys an earlier pass kept; blocks the
   * calling thread (not the core thread).
   */
  Result runOnce(List<byte[]> only) throws InterruptedException {
    Snapshot snap = snapshot();
    if (snap == null) {
      return new Result(0, 0, 0, true, false, only == null ? List.of() : only);
    }
    List<byte[]> keys = new ArrayList<>();
    boolean[] more = {false};
    java.util.function.BiConsumer<byte[], VersionedObject> candidate = (k, o) -> {
      if (o != null && !o.siblings().isEmpty() && !snap.ring().owners(k, replicationFactor).contains(selfId)) {
        if (keys.size() < KEYS_PER_PASS) {
          keys.add(k);
        } else {
          more[0] = true;
        }
      }
    };
    if (only == null) {
      storage.forEach(candidate);
    } else {
      for (byte[] k : only) {
        candidate.accept(k, storage.get(k));
      }
    }
    if (keys.isEmpty()) {
      return new Result(0, 0, 0, false, false);
    }
    if (only == null) {
      log.info("cleanup: {} keys here are no longer owned by {}; handing them to their owners, then dropping them",
          keys.size(), selfId);
    } else {
      log.debug("cleanup: retrying {} keys an earlier pass kept", keys.size());
    }
    List<byte[]> keptKeys = new ArrayList<>();
    Handover handover = new Handover(node);
    long dropped = 0;
    long kept = 0;
    try (Progress progress = new Progress("cleanup of keys no longer owned",
        keys.size(), node.clock(), membership::setLocalActivity)) {
      for (int from = 0; from < keys.size(); from += BATCH) {
        List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + BATCH));
        ConcurrentLinkedQueue<Handed> handed = new ConcurrentLinkedQueue<>();
        int sent = 0;
        List<byte[]> sentKeys = new ArrayList<>();
        for (byte[] k : batch) {
          VersionedObject o = storage.get(k);
          if (o == null || o.siblings().isEmpty()) {
            continue;
          }
          List<Endpoint> to = new ArrayList<>();
          for (String owner : snap.ring().owners(k, replicationFactor)) {
            Endpoint e = snap.alive().get(owner);
            if (e != null) {
              to.add(e);
            }
          }
          if (to.size() < snap.ring().owners(k, replicationFactor).size()) {
            kept++; // an owner is down: keep the copy (it may be the one the owner needs back)
            keptKeys.add(k);
            continue;
          }
          sent++;
          sentKeys.add(k);
          AtomicInteger remaining = new AtomicInteger(to.size());
          AtomicBoolean failed = new AtomicBoolean();
          for (Endpoint e : to) {
            handover.send(e, k, o, ok -> {
              if (!ok) {
                failed.set(true);
              }
              if (remaining.decrementAndGet() == 0 && !failed.get()) {
                handed.add(new Handed(k, o));
              }
            });
          }
        }
        handover.finish();
        // the ring may have moved while the batch was handed over: drop nothing this node owns again
        Snapshot now = snapshot();
        if (now == null || !now.ring().equals(snap.ring())) {
          log.info("cleanup: the ring changed during the pass; stopping it (dropped {} copies so far)", dropped);
          record(dropped, kept);
          return new Result(keys.size(), dropped, kept, true, more[0]);
        }
        java.util.Set<java.nio.ByteBuffer> acked = new java.util.HashSet<>();
        for (Handed h : handed) {
          acked.add(java.nio.ByteBuffer.wrap(h.key()));
          if (!membership.keeps(selfId, h.key(), replicationFactor)
              && storage.removeIfUnchanged(h.key(), h.object())) {
            dropped++;
          } else if (!membership.keeps(selfId, h.key(), replicationFactor)) {
            kept++; // changed meanwhile: the newer copy goes over at the retry
            keptKeys.add(h.key());
          }
        }
        for (byte[] k : sentKeys) {
          if (!acked.contains(java.nio.ByteBuffer.wrap(k))) {
            kept++; // a handover not acknowledged: retried
            keptKeys.add(k);
          }
        }
        progress.update(Math.min(keys.size(), from + BATCH), handover.bytes());
      }
    }
    record(dropped, kept);
    if (only != null && dropped == 0) {
      return new Result(keys.size(), dropped, kept, false, more[0], keptKeys); // a retry that changed nothing
    }
    log.info("cleanup: dropped {} copies this node no longer owns; kept {} (an owner down, a handover not"
        + " acknowledged, or the copy changed meanwhile: retried on their own, at most {} s apart)", dropped, kept,
        RETRY_MAX_MS / 1000);
    return new Result(keys.size(), dropped, kept, false, more[0], keptKeys);
  }

  private void record(long dropped, long kept) {
    droppedCounter.inc(dropped);
    keptCounter.inc(kept);
  }
}
