package io.ringkv.node;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.ring.Ring;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transfer.Transfer;
import io.ringkv.transfer.TransferDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 * <p>When: a pass runs once the ring has been stable for {@code settleMs} (no member JOINING, LEAVING or
 * REMOVING, this node UP), after every ring change and every {@link #PERIOD_MS}. The keys a pass kept (an
 * owner down, a handover unanswered, a copy changed meanwhile) are retried on their own, without a scan,
 * after the settle time and then at doubling intervals up to {@link #RETRY_MAX_MS}: a partition or a pause
 * during a pass must not leave its copies on a non-owner until the periodic pass. One pass looks at most
 * {@link #KEYS_PER_PASS} keys (a bound on its memory) and goes again at once when it had more.
 *
 * <p>A pass is a plan over the {@link Transfer} state machine, one batch of {@link #BATCH} keys at a time:
 * list the keys this node does not own (storage executor); for each batch, transfer every key whose owners
 * are all alive to all of them ({@link TransferDriver}: merges in flight, byte rate, ack timeouts); when the
 * batch is done and the ring is still the one the pass started from, drop the copies every owner
 * acknowledged and this node still does not keep, each only if unchanged (storage executor). Core events,
 * core timers and storage work only: no thread of its own, the injected clock, so the simulator runs it.
 * Riak drops a vnode's data only after ownership handoff completed, for the same reason; Cassandra leaves
 * it to the operator ({@code nodetool cleanup}).
 */
final class Cleanup {
  private static final Logger log = LoggerFactory.getLogger(Cleanup.class);
  /** How long the ring must be unchanged (and no member in transition) before a pass (default 10 s). */
  static final long SETTLE_MS = 10_000;
  /** A pass also runs this often, for copies whose handover failed before (default 10 min). */
  static final long PERIOD_MS = 600_000;
  /** Keys one pass looks at, at most (bounds the pass's key list: ~100 bytes a key). */
  static final int KEYS_PER_PASS = 100_000;
  /** Keys handed over between two drop rounds (bounds the objects held for the drop). */
  static final int BATCH = 1024;
  /** The longest wait between two retries of the keys a pass kept (the first waits the settle time). */
  static final long RETRY_MAX_MS = 30_000;
  /** A full storage queue delays the pass's next storage step by this much. */
  static final long STORAGE_RETRY_MS = 100;

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
  private final Executor storageExecutor;
  private final long settleMs;
  private final Counter droppedCounter;
  private final Counter keptCounter;
  // core thread only, but for startsInMs (read from VERIFY's admin hook, also on the core thread)
  private long ringChangedAtMs;
  private long lastPassMs;
  private boolean due = true;
  /** The keys the last pass kept, retried alone at {@link #retryAtMs}; empty when none. */
  private List<byte[]> retry = List.of();
  private long retryAtMs;
  private long retryDelayMs;
  private boolean passRunning;
  private boolean started;
  private boolean closed;
  private Scheduler.Cancellable timer;

  Cleanup(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      Executor storageExecutor, long settleMs, MetricRegistry metrics) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.storageExecutor = storageExecutor;
    this.settleMs = settleMs;
    this.droppedCounter = metrics.counter("ringkv.cleanup.dropped");
    this.keptCounter = metrics.counter("ringkv.cleanup.kept");
    this.ringChangedAtMs = node.clock().nowMs();
    this.lastPassMs = ringChangedAtMs;
  }

  /** Called on every ring change (any thread): a pass becomes due once the ring has settled. */
  void onRingChanged() {
    node.core().execute(() -> {
      ringChangedAtMs = node.clock().nowMs();
      due = true;
      check();
    });
  }

  /**
   * When the next pass starts, for VERIFY (core thread): 0 while one runs, the milliseconds until the ring
   * has been stable for the settle time when a pass is due, {@code -1} when none is due (the periodic pass
   * aside).
   */
  long startsInMs() {
    if (passRunning) {
      return 0;
    }
    if (!due) {
      return -1;
    }
    return Math.max(0, settleMs - (node.clock().nowMs() - ringChangedAtMs));
  }

  /** Starts the schedule (from any thread). */
  void start() {
    node.core().execute(() -> {
      started = true;
      check();
    });
  }

  /** Stops the schedule; a pass under way drops nothing more (from any thread). */
  void close() {
    node.core().execute(() -> {
      closed = true;
      cancelTimer();
    });
  }

  /** Runs a pass when one is due and the ring has settled, else sets the timer for when it may be. */
  private void check() {
    if (!started || closed || passRunning) {
      return;
    }
    long now = node.clock().nowMs();
    long settledFor = now - ringChangedAtMs;
    boolean periodic = now - lastPassMs >= PERIOD_MS;
    boolean retryDue = !retry.isEmpty() && now >= retryAtMs;
    if (!due && !periodic && !retryDue) {
      wakeIn(Math.min(PERIOD_MS - (now - lastPassMs), retry.isEmpty() ? Long.MAX_VALUE : retryAtMs - now));
      return;
    }
    if (settledFor < settleMs) {
      wakeIn(settleMs - settledFor);
      return;
    }
    List<byte[]> only = due || periodic ? null : retry; // a full pass finds the kept keys again
    due = false;
    retry = List.of();
    cancelTimer();
    passRunning = true;
    new Pass(only).begin();
  }

  private void wakeIn(long delayMs) {
    cancelTimer();
    timer = node.core().schedule(Math.max(1, delayMs), () -> {
      timer = null;
      check();
    });
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void passOver(Pass pass, Result r) {
    passRunning = false;
    long now = node.clock().nowMs();
    if (pass.only == null) {
      lastPassMs = now;
    }
    if (r.keptKeys().isEmpty()) {
      retryDelayMs = 0;
    } else {
      retryDelayMs = retryDelayMs == 0 ? Math.max(1, settleMs) : Math.min(RETRY_MAX_MS, retryDelayMs * 2);
      retry = r.keptKeys();
      retryAtMs = now + retryDelayMs;
    }
    droppedCounter.inc(r.dropped());
    keptCounter.inc(r.kept());
    if (r.aborted() || r.more()) {
      due = true;
      if (r.aborted()) {
        ringChangedAtMs = now; // in transition: wait for it to settle again
      }
    }
    check();
  }

  /** The ring, or null while the ring is changing or this node is not UP (core thread). */
  private Ring stableRing() {
    if (membership.inTransition() || membership.gossiper().localMember().status() != MemberStatus.UP) {
      return null;
    }
    return membership.ring();
  }

  /** Runs {@code task} on the storage executor, again after a pause while its queue is full. */
  private void onStorage(Runnable task) {
    try {
      storageExecutor.execute(task);
    } catch (RejectedExecutionException full) {
      node.core().schedule(STORAGE_RETRY_MS, () -> onStorage(task));
    }
  }

  /** One pass: its state lives on the core thread; its storage work runs on the storage executor. */
  private final class Pass {
    /** The keys an earlier pass kept, retried alone; null for a pass over everything held. */
    final List<byte[]> only;
    final List<byte[]> keptKeys = new ArrayList<>();
    Ring ring;
    List<byte[]> keys;
    boolean more;
    long dropped;
    long kept;
    Progress progress;

    Pass(List<byte[]> only) {
      this.only = only;
    }

    void begin() {
      ring = stableRing();
      if (ring == null) {
        passOver(this, new Result(0, 0, 0, true, false, only == null ? List.of() : only));
        return;
      }
      Ring r = ring;
      onStorage(() -> {
        List<byte[]> found = new ArrayList<>();
        boolean[] over = {false};
        RuntimeException failure = null;
        java.util.function.BiConsumer<byte[], io.ringkv.storage.causality.VersionedObject> candidate = (k, o) -> {
          if (o != null && !o.siblings().isEmpty() && !r.owners(k, replicationFactor).contains(selfId)) {
            if (found.size() < KEYS_PER_PASS) {
              found.add(k);
            } else {
              over[0] = true;
            }
          }
        };
        try {
          if (only == null) {
            storage.forEach(candidate);
          } else {
            for (byte[] k : only) {
              candidate.accept(k, storage.get(k));
            }
          }
        } catch (RuntimeException e) {
          failure = e;
        }
        RuntimeException f = failure;
        node.core().execute(() -> {
          if (f != null) {
            failed(f);
          } else {
            listed(found, over[0]);
          }
        });
      });
    }

    void listed(List<byte[]> found, boolean over) {
      keys = found;
      more = over;
      if (keys.isEmpty()) {
        passOver(this, new Result(0, 0, 0, false, false));
        return;
      }
      if (only == null) {
        log.info("cleanup: {} keys here are no longer owned by {}; handing them to their owners, then dropping"
            + " them", keys.size(), selfId);
      } else {
        log.debug("cleanup: retrying {} keys an earlier pass kept", keys.size());
      }
      progress = new Progress("cleanup of keys no longer owned", keys.size(), node.clock(),
          membership::setLocalActivity);
      batch(0, 0);
    }

    /** Hands the batch from {@code from} to every owner (all alive, else the key is kept for a later pass). */
    void batch(int from, long bytesBefore) {
      if (closed) {
        end(true);
        return;
      }
      List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + BATCH));
      Map<String, Endpoint> alive = new HashMap<>();
      for (String id : ring.nodeIds()) {
        Endpoint e = membership.endpointIfAlive(id);
        if (e != null) {
          alive.put(id, e);
        }
      }
      List<Transfer.Item> items = new ArrayList<>(batch.size());
      for (byte[] k : batch) {
        List<String> owners = ring.owners(k, replicationFactor);
        List<Endpoint> to = new ArrayList<>(owners.size());
        for (String owner : owners) {
          Endpoint e = alive.get(owner);
          if (e != null) {
            to.add(e);
          }
        }
        if (to.size() < owners.size()) {
          kept++; // an owner is down: keep the copy (it may be the one the owner needs back)
          keptKeys.add(k);
        } else {
          items.add(new Transfer.Item(k, to));
        }
      }
      List<Transfer.Handed> handed = new ArrayList<>();
      TransferDriver.start(new Transfer(items, NodeTransfers.config()),
          NodeTransfers.runtime(node, storage, storageExecutor), handed::add,
          (done, bytes) -> progress.update(from + Math.min(done, batch.size()), bytesBefore + bytes))
          .whenComplete((f, error) -> {
            if (error != null) {
              failed(error);
            } else {
              drop(from, items, handed, bytesBefore + f.bytes());
            }
          });
    }

    /** Drops the copies every owner acknowledged, if the ring is still the pass's and the copy unchanged. */
    void drop(int from, List<Transfer.Item> items, List<Transfer.Handed> handed, long bytes) {
      // the ring may have moved while the batch was handed over: drop nothing this node owns again
      if (closed || !ring.equals(stableRing())) {
        log.info("cleanup: the ring changed during the pass; stopping it (dropped {} copies so far)", dropped);
        end(true);
        return;
      }
      List<Transfer.Handed> toDrop = new ArrayList<>(handed.size());
      for (Transfer.Handed h : handed) {
        if (!membership.keeps(selfId, h.key(), replicationFactor)) {
          toDrop.add(h);
        }
      }
      java.util.Set<java.nio.ByteBuffer> handedKeys = new java.util.HashSet<>();
      for (Transfer.Handed h : handed) {
        handedKeys.add(java.nio.ByteBuffer.wrap(h.key()));
      }
      List<byte[]> notHanded = new ArrayList<>();
      for (Transfer.Item item : items) {
        if (!handedKeys.contains(java.nio.ByteBuffer.wrap(item.key()))) {
          notHanded.add(item.key()); // a handover not acknowledged, or the key gone meanwhile
        }
      }
      int keptHere = handed.size() - toDrop.size();
      onStorage(() -> {
        long d = 0;
        List<byte[]> again = new ArrayList<>();
        for (Transfer.Handed h : toDrop) {
          if (storage.removeIfUnchanged(h.key(), h.object())) {
            d++;
          } else if (storage.get(h.key()) != null) {
            again.add(h.key()); // changed meanwhile: the retry hands the new version over
          }
        }
        for (byte[] key : notHanded) {
          io.ringkv.storage.causality.VersionedObject o = storage.get(key);
          if (o != null && !o.siblings().isEmpty()) {
            again.add(key); // still here and not acknowledged by every owner: retried
          }
        }
        long droppedNow = d;
        node.core().execute(() -> {
          dropped += droppedNow;
          kept += again.size() + keptHere;
          keptKeys.addAll(again);
          int next = from + BATCH;
          if (next < keys.size()) {
            batch(next, bytes);
          } else {
            end(false);
          }
        });
      });
    }

    void failed(Throwable e) {
      // a storage error fails this pass, not cleanup: try again once settled
      log.warn("cleanup pass failed; retrying after {} ms: {}", settleMs, e.toString());
      if (progress != null) {
        progress.close();
      }
      passOver(this, new Result(keys == null ? 0 : keys.size(), dropped, kept, true, false));
    }

    void end(boolean aborted) {
      progress.close();
      if (!aborted && (only == null || dropped > 0)) {
        log.info("cleanup: dropped {} copies this node no longer owns; kept {} (an owner down, a handover not"
            + " acknowledged, or the copy changed meanwhile: retried on their own, at most {} s apart)", dropped,
            kept, RETRY_MAX_MS / 1000);
      }
      passOver(this, new Result(keys.size(), dropped, kept, aborted, more, aborted ? List.of() : keptKeys));
    }
  }
}
