package io.ringkv.antientropy;

import io.ringkv.ring.KeyHash;
import io.ringkv.storage.ForwardingStorageEngine;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.WriteResult;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StorageEngine} the node runs on when anti-entropy is on: a decorator (like
 * {@code LastWriteWinsStorage}) that keeps this node's {@link HashTree}s in step with every mutation
 * and applies the {@link PurgeLog} resurrection guard. Every write, merge and removal of a key runs
 * under one of {@value #LOCK_STRIPES} striped locks, so the tree sees each change of a key's object
 * exactly once, as the XOR of the entries before and after (O(levels)); no change bypasses it, whoever
 * makes it (replica writes, read repair, hinted handoff, anti-entropy, GC).
 */
final class AntiEntropyStorage extends ForwardingStorageEngine {
  private static final Logger log = LoggerFactory.getLogger(AntiEntropyStorage.class);

  /** Lock stripes (default 4,096: contention between two keys is 1 in 4,096; 64 KB of monitors). */
  static final int LOCK_STRIPES = 4096;

  private final PurgeLog purged;
  private final Object[] locks = new Object[LOCK_STRIPES];
  private volatile TreeLayout layout;
  final AtomicLong mergesRefused = new AtomicLong();

  AntiEntropyStorage(StorageEngine delegate, PurgeLog purged, TreeLayout initial) {
    super(delegate);
    this.purged = purged;
    this.layout = initial;
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  StorageEngine delegate() {
    return delegate;
  }

  TreeLayout layout() {
    return layout;
  }

  void setLayout(TreeLayout next) {
    this.layout = next;
  }

  PurgeLog purgeLog() {
    return purged;
  }

  private Object lockOf(long keyHash) {
    return locks[(int) (keyHash & (LOCK_STRIPES - 1))];
  }

  private void account(byte[] key, long keyHash, VersionedObject before, VersionedObject after) {
    layout.onChange(keyHash, KeyHash.token(key), ObjectDigest.entry(keyHash, ObjectDigest.of(before)),
        ObjectDigest.entry(keyHash, ObjectDigest.of(after)));
  }

  /** A purged key reads as its purged context with no siblings, so coordinators drop what it covers. */
  @Override
  public VersionedObject get(byte[] key) {
    VersionedObject o = delegate.get(key);
    if (o == null) {
      VersionVector ctx = purged.contextOf(key);
      if (ctx != null) {
        return VersionedObject.of(ctx, List.of());
      }
    }
    return o;
  }

  @Override
  public WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs,
      long writeId) {
    long kh = ObjectDigest.keyHash(key);
    synchronized (lockOf(kh)) {
      VersionVector ctx = purged.contextOf(key);
      boolean seeded = false;
      if (ctx != null && delegate.get(key) == null) {
        // continue the purged context's counters: a dot minted again would be dropped by any replica
        // that still holds (or remembers) the purged tombstone
        delegate.merge(key, VersionedObject.of(ctx, List.of()));
        seeded = true;
      }
      WriteResult r = delegate.write(key, clientContext, valueOrNull, nodeId, nowMs, writeId);
      VersionedObject before = seeded ? null : r.previous();
      account(key, kh, before, r.current());
      if (ctx != null) {
        purged.forget(key);
      }
      return seeded ? new WriteResult(null, r.current(), r.dot()) : r;
    }
  }

  @Override
  public VersionedObject merge(byte[] key, VersionedObject remote) {
    long kh = ObjectDigest.keyHash(key);
    synchronized (lockOf(kh)) {
      VersionedObject before = delegate.get(key);
      VersionedObject incoming = remote;
      if (before == null) {
        VersionVector ctx = purged.contextOf(key);
        if (ctx != null) {
          incoming = strip(remote, ctx);
          if (incoming == null) {
            mergesRefused.incrementAndGet();
            return VersionedObject.of(ctx, List.of());
          }
          purged.forget(key);
        }
      }
      VersionedObject after = delegate.merge(key, incoming);
      account(key, kh, before, after);
      return after;
    }
  }

  /**
   * {@code remote} without the siblings {@code purgedContext} covers, joined with it, its superseded write
   * ids kept; null if no sibling is left.
   */
  static VersionedObject strip(VersionedObject remote, VersionVector purgedContext) {
    List<Sibling> kept = new ArrayList<>();
    for (Sibling s : remote.siblings()) {
      if (!purgedContext.covers(s.dot())) {
        kept.add(s);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    // the superseded write ids go along: they still hide a stray copy of a replaced write
    return VersionedObject.of(remote.context().join(purgedContext), kept, remote.superseded());
  }

  @Override
  public boolean removeIfUnchanged(byte[] key, VersionedObject expected) {
    long kh = ObjectDigest.keyHash(key);
    synchronized (lockOf(kh)) {
      boolean removed = delegate.removeIfUnchanged(key, expected);
      if (removed) {
        account(key, kh, expected, null);
      }
      return removed;
    }
  }

  /** Tombstone GC of one key: {@link #purge(List, List, long)} of a batch of one. */
  boolean purge(byte[] key, VersionedObject expected, long nowMs) {
    return purge(List.of(key), List.of(expected), nowMs) == 1;
  }

  /**
   * Tombstone GC: removes each key still {@code expected} and remembers its context. The purge log
   * records the batch durably first (one fsync), so no key is ever gone from storage without its guard;
   * if that fails nothing is removed (the tombstones stay for the next sweep). Returns the keys purged.
   */
  int purge(List<byte[]> candidates, List<VersionedObject> candidateObjects, long nowMs) {
    List<byte[]> keys = new ArrayList<>(candidates.size());
    List<VersionedObject> expected = new ArrayList<>(candidates.size());
    List<VersionVector> contexts = new ArrayList<>(candidates.size());
    for (int i = 0; i < candidates.size(); i++) {
      if (candidates.get(i).length <= PurgeLogFile.KEY_BYTES_MAX) { // else its purge could never be recorded
        keys.add(candidates.get(i));
        expected.add(candidateObjects.get(i));
        contexts.add(candidateObjects.get(i).context());
      }
    }
    try {
      purged.prepare(keys, contexts, nowMs);
    } catch (IOException | RuntimeException e) {
      log.error("tombstone GC: cannot record {} purges in the purge log, the tombstones stay: {}", keys.size(),
          e.toString());
      return 0;
    }
    int count = 0;
    for (int i = 0; i < keys.size(); i++) {
      byte[] key = keys.get(i);
      long kh = ObjectDigest.keyHash(key);
      synchronized (lockOf(kh)) {
        if (delegate.removeIfUnchanged(key, expected.get(i))) {
          account(key, kh, expected.get(i), null);
          purged.record(key, contexts.get(i), nowMs);
          count++;
        } else {
          purged.cancel(key);
        }
      }
    }
    return count;
  }

  /** Closes the store, then the purge log (after the store: the request path may forget keys until then). */
  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      try {
        purged.close();
      } catch (IOException e) {
        log.warn("closing the purge log: {}", e.toString());
      }
    }
  }

  /** The rebuild scan's visit of one key: counts its current object in {@code target} if not yet counted. */
  void scanned(byte[] key, TreeLayout target) {
    long kh = ObjectDigest.keyHash(key);
    synchronized (lockOf(kh)) {
      if (layout != target) {
        return;
      }
      VersionedObject current = delegate.get(key);
      target.onScanned(kh, KeyHash.token(key), ObjectDigest.entry(kh, ObjectDigest.of(current)));
    }
  }

}
