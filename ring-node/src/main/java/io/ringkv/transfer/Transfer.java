package io.ringkv.transfer;

import io.ringkv.gossip.Endpoint;
import io.ringkv.runtime.Throttle;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Moving a set of keys from this node to other nodes, as a pure state machine (riak_core's handoff
 * sender, STYLE.md 1): events in (start, objects loaded, a merge acknowledged or refused, a tick), effects
 * out (load these keys from storage, send this merge, finished). The caller, {@link TransferDriver}, does
 * the storage reads, the network and the timers; time is an input. So the same code runs on a node's core
 * thread and under the simulator.
 *
 * <p>The algorithm:
 * <ol>
 *   <li>The plan is a list of {@link Item}s: a key and the nodes that must receive it (a LEAVE: the key's
 *       owners in the ring without this node; a stream to a joining node: the joiner; a cleanup: every
 *       current owner).
 *   <li>Keys are loaded from storage in batches of {@link TransferConfig#loadBatchKeys} (the load happens
 *       off the core thread); a key that is gone or holds no sibling any more is skipped.
 *   <li>Each loaded object is sent as a replica merge to each of its targets while fewer than
 *       {@link TransferConfig#inFlightMax} merges are unanswered and the byte rate
 *       ({@link TransferConfig#bytesPerSecond}, a token bucket charged per merge) allows; the next batch
 *       is loaded when the sends of this one have all gone out.
 *   <li>A merge not answered within {@link TransferConfig#ackTimeoutMs} counts as failed (never resent:
 *       the caller decides whether a failed transfer is retried as a whole, and merges are idempotent).
 *   <li>When every target of a key acknowledged, the key is {@link Handed} (cleanup drops its copy then).
 *   <li>When every item was loaded and every merge answered or timed out, the transfer is {@link Finished}
 *       with its counts; the caller judges success ({@code failed() == 0}).
 * </ol>
 *
 * <p>Bounds: merges in flight, bytes per second, keys per load; the plan itself is the caller's (held in
 * memory, about 100 bytes a key). Not thread-safe: one thread (the core) drives it.
 */
public final class Transfer {
  /** One key and the nodes that must receive it. */
  public record Item(byte[] key, List<Endpoint> targets) {
    public Item {
      Objects.requireNonNull(key, "key");
      targets = List.copyOf(targets);
    }
  }

  /** A key and what storage held for it when it was loaded ({@code null}: gone). */
  public record Loaded(byte[] key, VersionedObject object) {}

  /** What the driver must do. */
  public sealed interface Effect permits Load, Send, Abandon, Handed, Finished {}

  /** Read these keys from storage and answer with {@link #onLoaded}. */
  public record Load(List<byte[]> keys) implements Effect {}

  /** Send {@code object} to {@code to} as a replica merge and answer with {@link #onAck}({@code seq}). */
  public record Send(long seq, Endpoint to, byte[] key, VersionedObject object) implements Effect {}

  /** The merge {@code seq} timed out: a late answer is of no use, forget it. */
  public record Abandon(long seq) implements Effect {}

  /** Every target of {@code key} acknowledged {@code object} (or a later version of it). */
  public record Handed(byte[] key, VersionedObject object) implements Effect {}

  /** The transfer is over; {@code failed == 0} means every merge was acknowledged. */
  public record Finished(long keys, long copiesSent, long acked, long failed, long bytes) implements Effect {}

  /** The effects of one event, and when to call {@link #onTick} next ({@code -1}: not needed). */
  public record Step(List<Effect> effects, long wakeAtMs) {}

  private record Pending(long seq, Endpoint to, byte[] key, VersionedObject object, long bytes) {}

  private static final class InFlight {
    final Pending send;
    final long deadlineMs;
    final KeyAcks acks;

    InFlight(Pending send, long deadlineMs, KeyAcks acks) {
      this.send = send;
      this.deadlineMs = deadlineMs;
      this.acks = acks;
    }
  }

  /** The acknowledgements one key still waits for. */
  private static final class KeyAcks {
    final byte[] key;
    final VersionedObject object;
    int remaining;
    int unsent;
    boolean failed;

    KeyAcks(byte[] key, VersionedObject object, int remaining) {
      this.key = key;
      this.object = object;
      this.remaining = remaining;
      this.unsent = remaining;
    }
  }

  private final List<Item> items;
  private final TransferConfig config;
  private final Throttle bucket;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final Map<Long, InFlight> inFlight = new HashMap<>();
  private final Map<Long, KeyAcks> acksOfPending = new HashMap<>();
  private int cursor;
  private boolean loading;
  private boolean started;
  private boolean finished;
  private long nextSeq = 1;
  private long keysDone;
  private long copiesSent;
  private long acked;
  private long failed;
  private long bytes;

  public Transfer(List<Item> items, TransferConfig config) {
    this.items = List.copyOf(items);
    this.config = Objects.requireNonNull(config, "config");
    this.bucket = new Throttle(config.bytesPerSecond());
  }

  /** Starts loading; call once. */
  public Step start(long nowMs) {
    if (started) {
      throw new IllegalStateException("transfer already started");
    }
    started = true;
    return pump(nowMs, new ArrayList<>());
  }

  /** The objects of the last {@link Load}, in any order. */
  public Step onLoaded(List<Loaded> loaded, long nowMs) {
    if (!loading) {
      throw new IllegalStateException("no load outstanding");
    }
    loading = false;
    List<Effect> effects = new ArrayList<>();
    for (Loaded l : loaded) {
      Item item = itemsByKey.remove(new KeyRef(l.key()));
      if (item == null) {
        continue; // not asked for (a driver's mistake): ignore it
      }
      if (l.object() == null || l.object().siblings().isEmpty() || item.targets().isEmpty()) {
        keysDone++; // gone, or nowhere to go: done
        continue;
      }
      KeyAcks acks = new KeyAcks(l.key(), l.object(), item.targets().size());
      long size = (long) l.object().valueBytes() + l.key().length;
      for (Endpoint to : item.targets()) {
        long seq = nextSeq++;
        pending.add(new Pending(seq, to, l.key(), l.object(), size));
        acksOfPending.put(seq, acks);
      }
    }
    // keys asked for but not answered count as gone
    keysDone += itemsByKey.size();
    itemsByKey.clear();
    return pump(nowMs, effects);
  }

  /** The answer to {@link Send}({@code seq}): {@code ok} when the target acknowledged the merge. */
  public Step onAck(long seq, boolean ok, long nowMs) {
    InFlight f = inFlight.remove(seq);
    List<Effect> effects = new ArrayList<>();
    if (f != null) {
      settle(f, ok, effects);
    }
    return pump(nowMs, effects);
  }

  /** Time passed: expires unanswered merges, sends what the rate now allows. */
  public Step onTick(long nowMs) {
    List<Effect> effects = new ArrayList<>();
    List<Long> expired = new ArrayList<>();
    for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
      if (e.getValue().deadlineMs <= nowMs) {
        expired.add(e.getKey());
      }
    }
    expired.sort(Long::compare);
    for (long seq : expired) {
      settle(inFlight.remove(seq), false, effects);
      effects.add(new Abandon(seq));
    }
    return pump(nowMs, effects);
  }

  /** Keys of the plan dealt with so far (every copy sent, or skipped because they were gone). */
  public long keysDone() {
    return keysDone;
  }

  public long totalKeys() {
    return items.size();
  }

  public long bytes() {
    return bytes;
  }

  public boolean isFinished() {
    return finished;
  }

  private void settle(InFlight f, boolean ok, List<Effect> effects) {
    if (ok) {
      acked++;
    } else {
      failed++;
      f.acks.failed = true;
    }
    if (--f.acks.remaining == 0 && !f.acks.failed) {
      effects.add(new Handed(f.acks.key, f.acks.object));
    }
  }

  /** Keys of the load outstanding, to match the answer to the plan. */
  private final Map<KeyRef, Item> itemsByKey = new HashMap<>();

  private record KeyRef(byte[] key) {
    @Override
    public boolean equals(Object o) {
      return o instanceof KeyRef k && java.util.Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(key);
    }
  }

  private Step pump(long nowMs, List<Effect> effects) {
    if (finished) {
      return new Step(effects, -1);
    }
    while (!pending.isEmpty() && inFlight.size() < config.inFlightMax() && bucket.readyAtMs() <= nowMs) {
      Pending p = pending.poll();
      KeyAcks acks = acksOfPending.remove(p.seq());
      inFlight.put(p.seq(), new InFlight(p, nowMs + config.ackTimeoutMs(), acks));
      bucket.charge(p.bytes(), nowMs);
      bytes += p.bytes();
      copiesSent++;
      if (--acks.unsent == 0) {
        keysDone++; // every copy of the key is out
      }
      effects.add(new Send(p.seq(), p.to(), p.key(), p.object()));
    }
    if (pending.isEmpty() && !loading && cursor < items.size()) {
      int end = Math.min(items.size(), cursor + config.loadBatchKeys());
      List<byte[]> keys = new ArrayList<>(end - cursor);
      for (Item item : items.subList(cursor, end)) {
        if (itemsByKey.putIfAbsent(new KeyRef(item.key()), item) == null) {
          keys.add(item.key());
        } else {
          keysDone++; // the same key twice in a plan: its first item stands
        }
      }
      cursor = end;
      loading = true;
      effects.add(new Load(keys));
    }
    if (cursor == items.size() && !loading && pending.isEmpty() && inFlight.isEmpty()) {
      finished = true;
      effects.add(new Finished(items.size(), copiesSent, acked, failed, bytes));
      return new Step(effects, -1);
    }
    long wake = -1;
    for (InFlight f : inFlight.values()) {
      wake = wake < 0 ? f.deadlineMs : Math.min(wake, f.deadlineMs);
    }
    if (!pending.isEmpty() && inFlight.size() < config.inFlightMax()) {
      long ready = Math.max(nowMs + 1, bucket.readyAtMs());
      wake = wake < 0 ? ready : Math.min(wake, ready);
    }
    return new Step(effects, wake);
  }
}
