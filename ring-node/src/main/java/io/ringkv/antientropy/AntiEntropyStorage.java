package io.ringkv.antientropy;

import io.ringkv.ring.KeyHash;
import io.ringkv.storage.ForwardingStorageEngine;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.WriteResult;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link StorageEngine} the node runs on when anti-entropy is on: a decorator (like
 * {@code LastWriteWinsStorage}) that keeps this node's {@link HashTree}s in step with every mutation
 * and applies the {@link PurgeLog} resurrection guard. Every write, merge and removal of a key runs
 * under one of {@value #LOCK_STRIPES} striped locks, so the tree sees each change of a key's object
 * exactly once, as the XOR of the entries before and after (O(levels)); no change bypasses it, whoever
 * makes it (replica writes, read repair, hinted handoff, anti-entropy, GC).
 */
final class AntiEntropyStorage extends ForwardingStorageEngine {
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

  /** {@code remote} without the siblings {@code purgedContext} covers, joined with it; null if none is left. */
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
    return VersionedObject.of(remote.context().join(purgedContext), kept);
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

  /** Tombstone GC: removes the key if still {@code expected} and remembers its context. */
  boolean purge(byte[] key, VersionedObject expected, long nowMs) {
    long kh = ObjectDigest.keyHash(key);
    synchronized (lockOf(kh)) {
      boolean removed = delegate.removeIfUnchanged(key, expected);
      if (removed) {
        account(key, kh, expected, null);
        purged.record(key, expected.context(), nowMs);
      }
      return removed;
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
