package io.ringkv.antientropy;

import io.ringkv.storage.causality.VersionVector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * than the retention must be wiped and repaired, not restarted with its old data.
 *
 * <p>Durable on a real node ({@link #open}): every change is also a record of a {@link PurgeLogFile}
 * ({@code purged.log} in the data directory), replayed on start, so a restart remembers every purge.
 * <ul>
 *   <li>A purge batch is {@link #prepare}d first: its records are appended and fsynced (one fsync per
 *       batch of up to {@code gcBatchKeysMax} keys, at most once per GC sweep) before any of its keys is
 *       removed from storage. A crash between the two leaves a record of a key still stored, which is
 *       harmless: the guard acts only on absent keys, and only drops what the tombstone had covered.</li>
 *   <li>When a purged key is stored again ({@link #forget}), or a prepared purge did not happen because a
 *       write won the race ({@link #cancel}), a forget record is appended, not fsynced: it is rare (only
 *       for keys in the log), and it reaches the page cache, which survives the death of the process like
 *       the Chronicle store does. If a power loss drops it, the key's entry comes back after the restart,
 *       which is again harmless (a redundant guard, inactive while the key is stored).</li>
 *   <li>Start: the file is scanned (a torn or corrupt tail is cut off and logged, never a failed start),
 *       replayed through the same bounds as the live log (entries, then retention at the current time),
 *       and rewritten atomically with only the live entries if it held anything else. While running, it is
 *       rewritten the same way when it holds more than twice the live entries ({@link #needsCompaction}).</li>
 * </ul>
 * Without a file ({@link #PurgeLog(int, long)}: tests, simulations) it lives in memory and a restart
 * forgets it. See docs/anti-entropy.md.
 */
final class PurgeLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PurgeLog.class);

  /** The file is rewritten while running only above twice this many records (or twice {@code entriesMax}, if less). */
  static final int COMPACT_RECORDS_MIN = 1_024;

  private record Entry(VersionVector context, long purgedAtMs) {}

  private record Purge(Key key, long purgedAtMs) {}

  private final int entriesMax;
  private final long retentionMs;
  // lookups are on every write and on every merge into an absent key: a concurrent map, no global lock
  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Purge> order = new ConcurrentLinkedQueue<>();
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicInteger queued = new AtomicInteger();

  /** The file behind the log, or null when it lives in memory only. */
  private final PurgeLogFile file;
  private final AtomicLong writeFailures = new AtomicLong();

  /** A log in memory only (tests and simulations): a restart forgets it. */
  PurgeLog(int entriesMax, long retentionMs) {
    this(entriesMax, retentionMs, null);
  }

  private PurgeLog(int entriesMax, long retentionMs, PurgeLogFile file) {
    this.entriesMax = entriesMax;
    this.retentionMs = retentionMs;
    this.file = file;
  }

  /**
   * The durable log kept in {@code path}: replays the file (see the class comment), applies the bounds
   * at {@code nowMs}, and compacts the file if it held anything but the live entries.
   *
   * @throws IOException when the file cannot be opened, read, cut or rewritten (a damaged tail is not an
   *     error: it is cut off and logged)
   */
  static PurgeLog open(Path path, int entriesMax, long retentionMs, long nowMs) throws IOException {
    PurgeLogFile f = PurgeLogFile.open(path);
    try {
      PurgeLog p = new PurgeLog(entriesMax, retentionMs, f);
      PurgeLogFile.Scan scan = f.scan(p::replay);
      if (scan.tailBytes() > 0) {
        log.warn("purge log {}: cut off {} bytes of torn or corrupt tail at offset {} (purges recorded there are"
            + " forgotten)", path, scan.tailBytes(), scan.validBytes());
        f.truncate(scan.validBytes());
      }
      if (scan.corruptRecords() > 0) {
        log.warn("purge log {}: skipped {} records with a bad checksum", path, scan.corruptRecords());
      }
      p.expire(nowMs);
      boolean compact = scan.records() != p.size() || scan.corruptRecords() > 0;
      if (compact) {
        p.compact();
      }
      log.info("purge log {}: {} purged keys remembered ({} records read{})", path, p.size(), scan.records(),
          compact ? ", compacted to " + f.records() : "");
      return p;
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
  }

  private void replay(PurgeLogFile.Entry e) {
    if (e.op() == PurgeLogFile.PURGE) {
      record(e.key(), e.context(), e.purgedAtMs());
    } else {
      entries.remove(new Key(e.key()));
    }
  }

  /**
   * Makes a batch of purges durable before they happen: appends their records and fsyncs the file, once
   * for the batch. Each key then gets {@link #record} (purged) or {@link #cancel} (not purged). Runs on
   * the purging thread, which is also the only one that calls {@link #compact}. Nothing in memory.
   */
  void prepare(List<byte[]> keys, List<VersionVector> contexts, long nowMs) throws IOException {
    if (file == null) {
      return;
    }
    List<PurgeLogFile.Entry> batch = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      batch.add(PurgeLogFile.Entry.purge(keys.get(i), contexts.get(i), nowMs));
    }
    file.append(batch);
    file.sync();
  }

  /** A prepared purge of {@code key} did not happen (a write won): the key holds its own context. Under the key's lock. */
  void cancel(byte[] key) {
    entries.remove(new Key(key));
    appendForget(key);
  }

  /** Called under the key's lock, after the key was removed (and, if durable, {@link #prepare}d). */
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
    if (entries.remove(new Key(key)) != null) {
      appendForget(key);
    }
  }

  private void appendForget(byte[] key) {
    if (file == null) {
      return;
    }
    try {
      file.append(List.of(PurgeLogFile.Entry.forget(key)));
    } catch (IOException | RuntimeException e) {
      long n = writeFailures.incrementAndGet();
      if (n == 1 || n % 1_000 == 0) {
        log.warn("purge log {}: cannot append a forget record ({} so far): {}; after a restart such keys are"
            + " guarded again, which only drops what their delete had covered", file.path(), n, e.toString());
      }
    }
  }

  /** Drops entries older than the retention. */
  void expire(long nowMs) {
    while (dropOldest(nowMs - retentionMs)) {
      // next
    }
  }

  /** True when the file holds more than about twice the live entries (never for a log in memory). */
  boolean needsCompaction() {
    return file != null
        && file.records() > 2L * Math.max(entries.size(), Math.min(entriesMax, COMPACT_RECORDS_MIN));
  }

  /**
   * Rewrites the file with the live entries only, oldest first (atomically: temp file, fsync, rename).
   * Runs on the purging thread, never between a {@link #prepare} and its records.
   */
  void compact() throws IOException {
    if (file == null) {
      return;
    }
    long before = file.bytes();
    file.rewrite(this::liveRecords);
    log.debug("purge log {}: compacted {} bytes to {} ({} live keys)", file.path(), before, file.bytes(), size());
  }

  private List<PurgeLogFile.Entry> liveRecords() {
    List<Map.Entry<Key, Entry>> live = new ArrayList<>(entries.entrySet());
    live.sort(Comparator.comparingLong(e -> e.getValue().purgedAtMs));
    List<PurgeLogFile.Entry> out = new ArrayList<>(live.size());
    for (Map.Entry<Key, Entry> e : live) {
      out.add(PurgeLogFile.Entry.purge(e.getKey().bytes, e.getValue().context, e.getValue().purgedAtMs));
    }
    return out;
  }

  /** The file's records (0 in memory). */
  long fileRecords() {
    return file == null ? 0 : file.records();
  }

  int size() {
    return entries.size();
  }

  long evicted() {
    return evicted.get();
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      file.close();
    }
  }
}
