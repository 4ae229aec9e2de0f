package io.ringkv.handoff;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.ReplicaRpc;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hinted handoff (Dynamo section 4.6): a node that stored a write as a fallback for a down owner
 * keeps a hint, and when gossip says the owner is alive again it sends the owner the object, deletes
 * the hint after the owner acknowledged, and drops its own copy when it does not own the key.
 *
 * <p>The stand-in stores the object in its normal object store (so sloppy reads find it and merges
 * apply) and only the (owner, key) pair in the {@link HintStore}. Delivery reuses the replica merge
 * message, so an owner needs nothing special to receive hints, and a hint delivered twice is
 * harmless (merge is idempotent).
 *
 * <p>Threads: bookkeeping runs on the node's core thread; storage and hint-store I/O on the storage
 * executor. Rate: at most {@code batchMax} deliveries in flight per owner and {@code bytesPerSecond}
 * per round.
 */
public final class HintedHandoff {
  private static final Logger log = LoggerFactory.getLogger(HintedHandoff.class);

  private final String selfId;
  private final HintStore hints;
  private final StorageEngine storage;
  private final Clock clock;
  private final Scheduler core;
  private final ReplicaRpc rpc;
  private final Executor storageExecutor;
  private final HandoffConfig config;
  /** The owner's endpoint when it is alive, else null. */
  private final Function<String, Endpoint> aliveEndpoint;
  /** Whether the node owns the key now or will own it (then it keeps its copy after delivery). */
  private final BiPredicate<String, byte[]> keeps;

  private final Set<String> delivering = new HashSet<>();
  /** Owners that left the ring for good (REMOVED, LEFT): their hints can never be delivered. */
  private volatile java.util.function.Predicate<String> gone = id -> false;
  private final Set<String> retiring = new HashSet<>();
  private final Counter stored;
  private final Counter dropped;
  private final Counter delivered;
  private final Counter retired;
  private long lastDropLogMs = Long.MIN_VALUE;
  private boolean running;
  /** Where the stand-in's line goes ("" when it holds no hints); see {@link #publishActivity}. */
  private volatile java.util.function.Consumer<String> activity = line -> {};
  private String lastActivity = "";
  /** Set by {@link #close}: storage-thread tasks queued before it find the hint store gone and do nothing. */
  private volatile boolean closed;

  public HintedHandoff(String selfId, HintStore hints, StorageEngine storage, Clock clock, Scheduler core,
      ReplicaRpc rpc, Executor storageExecutor,
      HandoffConfig config, Function<String, Endpoint> aliveEndpoint, BiPredicate<String, byte[]> keeps,
      MetricRegistry metrics) {
    this.selfId = selfId;
    this.hints = hints;
    this.storage = storage;
    this.clock = clock;
    this.core = core;
    this.rpc = rpc;
    this.storageExecutor = storageExecutor;
    this.config = config;
    this.aliveEndpoint = aliveEndpoint;
    this.keeps = keeps;
    this.stored = metrics.counter("ringkv.hints.stored");
    this.dropped = metrics.counter("ringkv.hints.dropped");
    this.delivered = metrics.counter("ringkv.hints.delivered");
    this.retired = metrics.counter("ringkv.hints.retired");
    metrics.gauge("ringkv.hints.pending", () -> (Gauge<Long>) hints::size);
  }

  /** Starts the delivery rounds. */
  public void start() {
    core.execute(() -> {
      running = true;
      round();
    });
  }

  public void stop() {
    core.execute(() -> running = false);
  }

  /**
   * Tells which owners are gone for good (REMOVED or LEFT; asked on the core thread). Their hints are
   * retired: deleted without delivery, at most a batch per owner a round. The stand-in's copy stays in
   * storage: if the stand-in owns the key now anti-entropy keeps it in step, else {@code Cleanup} hands
   * it to the owners before dropping it. Without this, hints for a removed node would stay pending
   * forever and fill the store.
   */
  public void publishActivity(java.util.function.Consumer<String> sink) {
    this.activity = sink;
  }

  /**
   * The activity line of a stand-in, gossiped so that every node's NODES shows which nodes hold hints
   * ({@code stand-in: 12 hints pending for n3}); owners are listed up to three.
   */
  public static String standInLine(long pending, java.util.Collection<String> owners) {
    if (pending <= 0) {
      return "";
    }
    List<String> sorted = new java.util.ArrayList<>(new java.util.TreeSet<>(owners));
    String named = sorted.size() <= 3 ? String.join(", ", sorted)
        : String.join(", ", sorted.subList(0, 3)) + " and " + (sorted.size() - 3) + " more";
    return io.ringkv.protocol.ClientMessages.NodeInfo.STAND_IN_ACTIVITY_PREFIX + pending
        + (pending == 1 ? " hint" : " hints") + " pending" + (named.isEmpty() ? "" : " for " + named);
  }

  /**
   * Tells which owners are gone for good (REMOVED or LEFT; asked on the core thread). Their hints are
   * retired: deleted without delivery, at most a batch per owner a round. The stand-in's copy stays in
   * storage: if the stand-in owns the key now anti-entropy keeps it in step, else {@code Cleanup} hands
   * it to the owners before dropping it. Without this, hints for a removed node would stay pending
   * forever and fill the store.
   */
  public void retireHintsFor(java.util.function.Predicate<String> goneOwners) {
    this.gone = goneOwners;
  }

  public long pending() {
    return hints.size();
  }

  public long deliveredCount() {
    return delivered.getCount();
  }

  public long droppedCount() {
    return dropped.getCount();
  }

  /** Called on a storage thread (or the core thread, for a local mint) after this node stored a write or merge. */
  public void onStored(byte[] key, VersionedObject object, String hintFor) {
    if (hintFor == null || hintFor.equals(selfId)) {
      return;
    }
    long now = clock.nowMs();
    if (hints.add(hintFor, key, now)) {
      stored.inc();
    } else {
      dropped.inc();
      if (now - lastDropLogMs >= 10_000) {
        lastDropLogMs = now;
        log.warn("hint store full ({} hints, hintsMax): dropping hints for {}; anti-entropy will repair it",
            hints.size(), hintFor);
      }
    }
  }

  private void round() {
    if (!running) {
      return;
    }
    storageExecutor.execute(() -> {
      if (closed) {
        return;
      }
      Set<String> owners = hints.owners();
      long pending = hints.size();
      core.execute(() -> {
        String line = standInLine(pending, owners);
        if (!line.equals(lastActivity)) {
          lastActivity = line;
          activity.accept(line);
        }
        for (String owner : owners) {
          if (gone.test(owner)) {
            if (retiring.add(owner)) {
              storageExecutor.execute(() -> retire(owner));
            }
            continue;
          }
          Endpoint to = aliveEndpoint.apply(owner);
          if (to != null && !delivering.contains(owner)) {
            delivering.add(owner);
            storageExecutor.execute(() -> loadBatch(owner, to));
          }
        }
      });
    });
    core.schedule(config.deliveryIntervalMs(), this::round);
  }

  private record Delivery(byte[] key, VersionedObject object) {}

  /** Storage thread: deletes a batch of the hints for an owner that is gone. */
  private void retire(String owner) {
    int n = 0;
    if (!closed) {
      for (byte[] key : hints.keysFor(owner, config.batchMax())) {
        hints.remove(owner, key);
        n++;
      }
    }
    retired.inc(n);
    if (n > 0) {
      log.info("retired {} hints for {}, which left the ring (its keys' owners get them by anti-entropy and"
          + " cleanup)", n, owner);
    }
    core.execute(() -> retiring.remove(owner));
  }

  /** Storage thread: reads a batch of hinted objects within the byte budget of one round. */
  private void loadBatch(String owner, Endpoint to) {
    if (closed) {
      return;
    }
    long budget = Math.max(1, config.bytesPerSecond() * config.deliveryIntervalMs() / 1000);
    List<Delivery> batch = new ArrayList<>();
    long bytes = 0;
    for (byte[] key : hints.keysFor(owner, config.batchMax())) {
      VersionedObject o = storage.get(key);
      if (o == null || o.siblings().isEmpty()) {
        hints.remove(owner, key); // purged meanwhile (tombstone GC): nothing left to hand off
        continue;
      }
      batch.add(new Delivery(key, o));
      bytes += o.valueBytes() + key.length;
      if (bytes >= budget) {
        break;
      }
    }
    core.execute(() -> send(owner, to, batch));
  }

  /** Core thread: sends a batch and waits for its acks, bounded by the ack timeout. */
  private void send(String owner, Endpoint to, List<Delivery> batch) {
    if (batch.isEmpty()) {
      delivering.remove(owner);
      return;
    }
    int[] outstanding = {batch.size()};
    List<Long> ids = new ArrayList<>();
    for (Delivery d : batch) {
      ids.add(rpc.request(to, id -> new ReplicaMerge(id, d.key(), d.object(), null), (from, reply) -> {
        if (reply instanceof ReplicaAck) {
          storageExecutor.execute(() -> acknowledged(owner, d));
        }
        if (--outstanding[0] == 0) {
          delivering.remove(owner);
        }
      }));
    }
    core.schedule(config.ackTimeoutMs(), () -> {
      if (outstanding[0] > 0) {
        ids.forEach(rpc::forget);
        delivering.remove(owner);
        log.debug("{} hints to {} not acknowledged in {} ms; retrying next round", outstanding[0], owner,
            config.ackTimeoutMs());
      }
    });
  }

  /**
   * Storage thread: the owner has the object; forget the hint and the copy we held for it. The hint goes
   * first and the copy is looked at after, so a write that landed meanwhile (a coordinator that still
   * sees the owner down keeps sending hinted writes while this one was in flight) is never left without
   * its hint: the copy changed, so the hint is recorded again and the newer object goes at the next
   * round. Without that, the newer copy stayed on this non-owner for good (the Jepsen delete+pause runs'
   * misplaced keys). The copy is dropped only when no hint for another owner still needs it.
   */
  private void acknowledged(String owner, Delivery d) {
    if (closed) {
      return; // the hint stays and is delivered again after the restart: merges are idempotent
    }
    hints.remove(owner, d.key());
    delivered.inc();
    VersionedObject now = storage.get(d.key());
    if (now != null && !now.equals(d.object())) {
      hints.add(owner, d.key(), clock.nowMs()); // changed meanwhile: the owner needs the newer one
      return;
    }
    if (keeps.test(selfId, d.key())) {
      return;
    }
    for (String other : hints.owners()) {
      if (hints.contains(other, d.key())) {
        return; // still held for another down owner; the last delivery drops it
      }
    }
    if (!storage.removeIfUnchanged(d.key(), d.object())) {
      hints.add(owner, d.key(), clock.nowMs()); // changed between the look and the drop
    }
  }

  /** Closes the hint store; call after the storage executor has drained. */
  public synchronized void close() {
    closed = true;
    hints.close();
  }
}
