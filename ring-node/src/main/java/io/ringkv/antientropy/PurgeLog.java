package io.ringkv.antientropy;

import io.ringkv.storage.causality.VersionVector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this node remembers of the tombstones it purged: per key, the purged object's causal context.
 * It is the resurrection guard. An object arriving later for a purged key (a stale hint, a read repair,
 * an anti-entropy push from a replica that missed the delete) loses every sibling that context covers,
 * exactly as if the tombstone were still stored; a new write to the key continues the purged context's
 * counters, so no dot is ever minted twice. Reads of a purged key return the context with no siblings,
 * which a coordinator's merge uses to drop stale siblings another replica still returns.
 *
 * <p>Bounded: at most {@code entriesMax} keys (default 100,000, ~15 MB at 3-replica contexts and short
 * keys) and {@code retentionMs} (default 7 days); the oldest entry goes first. Beyond them the guard
 * relies on the operational rule Cassandra and Scylla state for gc_grace: a replica that was down longer
 * than the retention must be wiped and repaired, not restarted with its old data. Held in memory only:
 * a restart forgets it (see docs/anti-entropy.md).
 */
final class PurgeLog {
  private record Entry(VersionVector context, long purgedAtMs) {}

  private record Purge(Key key, long purgedAtMs) {}

  private final int entriesMax;
  private final long retentionMs;
  // lookups are on every write and on every merge into an absent key: a concurrent map, no global lock
  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Purge> order = new ConcurrentLinkedQueue<>();
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicInteger queued = new AtomicInteger();

  PurgeLog(int entriesMax, long retentionMs) {
    this.entriesMax = entriesMax;
    this.retentionMs = retentionMs;
  }

  /** Called under the key's lock. */
  void record(byte[] key, VersionVector context, long nowMs) {
    Key k = new Key(key.clone());
    entries.merge(k, new Entry(context, nowMs), (a, b) -> new Entry(a.context.join(b.context), b.purgedAtMs));
    order.add(new Purge(k, nowMs));
    queued.incrementAndGet();
    // the queue also holds purges of keys since rewritten (forgotten): bound it at twice the entries
    while (entries.size() > entriesMax || queued.get() > 2L * entriesMax) {
      if (!dropOldest(Long.MAX_VALUE)) {
        break;
      }
    }
  }

  /** Removes the oldest purge if it happened at or before {@code beforeMs}; false when there is none. */
  private synchronized boolean dropOldest(long beforeMs) {
    Purge p = order.peek();
    if (p == null || p.purgedAtMs > beforeMs) {
      return false;
    }
    order.poll();
    queued.decrementAndGet();
    // only if not purged again since (a newer record has a later time and its own queue entry)
    Entry e = entries.get(p.key);
    if (e != null && e.purgedAtMs == p.purgedAtMs && entries.remove(p.key, e)) {
      evicted.incrementAndGet();
    }
    return true;
  }

  /** The purged context of {@code key}, or null. */
  VersionVector contextOf(byte[] key) {
    if (entries.isEmpty()) {
      return null;
    }
    Entry e = entries.get(new Key(key));
    return e == null ? null : e.context;
  }

  /** Forgets the key (a live object was stored for it again; its context now lives in storage). */
  void forget(byte[] key) {
    entries.remove(new Key(key));
  }

  /** Drops entries older than the retention. */
  void expire(long nowMs) {
    while (dropOldest(nowMs - retentionMs)) {
      // next
    }
  }

  int size() {
    return entries.size();
  }

  long evicted() {
    return evicted.get();
  }
}
