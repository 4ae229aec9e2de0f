package io.ringkv.antientropy;

import io.ringkv.storage.causality.VersionVector;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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

  private final int entriesMax;
  private final long retentionMs;
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();
  private long evicted;

  PurgeLog(int entriesMax, long retentionMs) {
    this.entriesMax = entriesMax;
    this.retentionMs = retentionMs;
  }

  synchronized void record(byte[] key, VersionVector context, long nowMs) {
    Key k = new Key(key.clone());
    Entry old = entries.remove(k);
    entries.put(k, new Entry(old == null ? context : old.context.join(context), nowMs));
    while (entries.size() > entriesMax) {
      Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
      it.next();
      it.remove();
      evicted++;
    }
  }

  /** The purged context of {@code key}, or null. */
  synchronized VersionVector contextOf(byte[] key) {
    Entry e = entries.get(new Key(key));
    return e == null ? null : e.context;
  }

  /** Forgets the key (a live object was stored for it again; its context now lives in storage). */
  synchronized void forget(byte[] key) {
    entries.remove(new Key(key));
  }

  /** Drops entries older than the retention. */
  synchronized void expire(long nowMs) {
    Iterator<Map.Entry<Key, Entry>> it = entries.values().isEmpty() ? null : entries.entrySet().iterator();
    while (it != null && it.hasNext()) {
      if (nowMs - it.next().getValue().purgedAtMs <= retentionMs) {
        break;
      }
      it.remove();
      evicted++;
    }
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long evicted() {
    return evicted;
  }
}
