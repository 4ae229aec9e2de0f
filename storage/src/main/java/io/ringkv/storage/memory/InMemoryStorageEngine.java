package io.ringkv.storage.memory;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.StorageStats;
import io.ringkv.storage.StoreFullException;
import io.ringkv.storage.WriteResult;
import io.ringkv.storage.DotCounter;
import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StorageEngine} on the heap, for whole-cluster simulations and tests. Objects are held
 * as immutable {@link VersionedObject}s in a {@link ConcurrentHashMap}; every read-modify-write runs
 * inside {@link ConcurrentHashMap#compute}, so it is atomic per key. Nothing here reads a clock or a
 * random source: given the same calls in the same order it ends in the same state.
 *
 * <p>Limits: {@link StorageLimits} are enforced on coordinated writes exactly as the Chronicle engine
 * does; an optional {@code maxEntries} bounds the number of keys, and inserting a key beyond it is a
 * {@link StoreFullException} (updating an existing key is always allowed).
 */
public final class InMemoryStorageEngine implements StorageEngine {
  private static final Logger log = LoggerFactory.getLogger(InMemoryStorageEngine.class);

  /** {@code maxEntries} value meaning "no bound on the number of keys". */
  public static final long UNBOUNDED = -1;

  private final StorageLimits limits;
  private final long maxEntries;
  private final ConcurrentHashMap<ByteKey, VersionedObject> objects = new ConcurrentHashMap<>();
  private final AtomicLong entries = new AtomicLong();
  private final AtomicLong bytesUsed = new AtomicLong();
  private final DotCounter dots = DotCounter.inMemory();
  private volatile boolean closed;

  /**
   * @param limits per-object limits
   * @param maxEntries most keys held (tombstoned keys count), or {@link #UNBOUNDED}
   */
  public InMemoryStorageEngine(StorageLimits limits, long maxEntries) {
    this.limits = Objects.requireNonNull(limits, "limits");
    if (maxEntries != UNBOUNDED && maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be positive or UNBOUNDED (-1), got " + maxEntries);
    }
    this.maxEntries = maxEntries;
  }

  /** An unbounded engine with the given limits. */
  public InMemoryStorageEngine(StorageLimits limits) {
    this(limits, UNBOUNDED);
  }

  /** An unbounded engine with {@link StorageLimits#DEFAULTS}. */
  public static InMemoryStorageEngine withDefaults() {
    return new InMemoryStorageEngine(StorageLimits.DEFAULTS, UNBOUNDED);
  }

  @Override
  public VersionedObject get(byte[] key) {
    checkOpen();
    return objects.get(ByteKey.lookup(key));
  }

  @Override
  public WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs,
      long writeId) {
    checkOpen();
    Objects.requireNonNull(nodeId, "nodeId");
    VersionVector context = clientContext == null ? VersionVector.EMPTY : clientContext;
    limits.checkWrite(key, valueOrNull);
    VersionedObject[] before = new VersionedObject[1];
    ByteKey k = ByteKey.copyOf(key);
    VersionedObject after = objects.compute(k, (ignored, stored) -> {
      VersionedObject base = stored == null ? VersionedObject.EMPTY : stored;
      VersionedObject next = base.write(context, valueOrNull, nodeId, nowMs, dots.floor(), writeId);
      if (limits.checkSiblings(next.siblings().size())) {
        log.warn("key of {} bytes has {} siblings after a write by {} (siblingsWarn={}, siblingsMax={})",
            key.length, next.siblings().size(), nodeId, limits.siblingsWarn(), limits.siblingsMax());
      }
      if (stored == null) {
        reserveEntry();
      }
      before[0] = stored;
      bytesUsed.addAndGet(sizeOf(k, next) - (stored == null ? 0 : sizeOf(k, stored)));
      return next;
    });
    WriteResult result = WriteResult.of(before[0], after, nodeId, writeId);
    Dot minted = result.dot();
    if (minted != null && minted.node().equals(nodeId)) { // null: a retry of a superseded write minted nothing
      dots.minted(minted.counter());
    }
    return result;
  }

  @Override
  public VersionedObject merge(byte[] key, VersionedObject remote) {
    checkOpen();
    Objects.requireNonNull(remote, "remote");
    ByteKey k = ByteKey.copyOf(key);
    return objects.compute(k, (ignored, stored) -> {
      if (stored == null) {
        reserveEntry();
        VersionedObject first = remote.compact();
        bytesUsed.addAndGet(sizeOf(k, first));
        return first;
      }
      VersionedObject next = stored.merge(remote).compact();
      if (next.siblings().size() >= limits.siblingsWarn()) {
        log.warn("key of {} bytes has {} siblings after a merge (siblingsWarn={})",
            key.length, next.siblings().size(), limits.siblingsWarn());
      }
      bytesUsed.addAndGet(sizeOf(k, next) - sizeOf(k, stored));
      return next;
    });
  }

  @Override
  public boolean removeIfUnchanged(byte[] key, VersionedObject expected) {
    checkOpen();
    Objects.requireNonNull(expected, "expected");
    ByteKey k = ByteKey.lookup(key); // computeIfPresent keeps the stored key instance
    boolean[] removed = new boolean[1];
    objects.computeIfPresent(k, (ignored, stored) -> {
      if (!stored.equals(expected)) {
        return stored;
      }
      removed[0] = true;
      entries.decrementAndGet();
      bytesUsed.addAndGet(-sizeOf(k, stored));
      return null;
    });
    return removed[0];
  }

  @Override
  public void forEach(BiConsumer<byte[], VersionedObject> action) {
    checkOpen();
    for (Map.Entry<ByteKey, VersionedObject> e : objects.entrySet()) {
      action.accept(e.getKey().toByteArray(), e.getValue());
    }
  }

  /** A walk over the map's weakly consistent entry iterator, which may be advanced from any thread. */
  @Override
  public Cursor cursor() {
    checkOpen();
    Iterator<Map.Entry<ByteKey, VersionedObject>> it = objects.entrySet().iterator();
    return new Cursor() {
      @Override
      public int advance(int max, Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit) {
        checkOpen();
        int visited = 0;
        while (visited < max && it.hasNext()) {
          Map.Entry<ByteKey, VersionedObject> e = it.next();
          visited++;
          byte[] key = e.getKey().toByteArray();
          if (!visit.test(key, wantsObject.test(key) ? e.getValue() : null)) {
            break;
          }
        }
        return visited;
      }
    };
  }

  @Override
  public StorageStats stats() {
    return new StorageStats(entries.get(), maxEntries, bytesUsed.get());
  }

  @Override
  public StorageLimits limits() {
    return limits;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Counts a new key, refusing it when the store is at {@code maxEntries}. Called inside compute. */
  private void reserveEntry() {
    long n = entries.incrementAndGet();
    if (maxEntries != UNBOUNDED && n > maxEntries) {
      entries.decrementAndGet();
      throw new StoreFullException("store is full: " + maxEntries
          + " keys, the configured maxEntries; raise it to store more keys", null);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException("storage engine is closed");
    }
  }

  /** Approximate bytes held for one key: key, values, 16 bytes per dot and 12 per superseded write. */
  private static long sizeOf(ByteKey key, VersionedObject o) {
    return key.length() + o.valueBytes() + 16L * o.allSiblings().size() + 12L * o.superseded().size();
  }
}
