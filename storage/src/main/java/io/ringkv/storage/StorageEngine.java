package io.ringkv.storage;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The replica-local store of versioned objects. Implementations are thread-safe; every
 * read-modify-write of one key ({@link #write}, {@link #merge}) is atomic with respect to the others.
 * Calls may block on disk: callers never make them on a network event loop.
 */
public interface StorageEngine extends AutoCloseable {

  /** The object stored for {@code key}, or null when there is none. */
  VersionedObject get(byte[] key);

  /**
   * A client write coordinated by this replica: applies {@link VersionedObject#write} to the stored
   * object (or to {@link VersionedObject#EMPTY}) and stores the result.
   *
   * @param valueOrNull the value, or null for a delete (tombstone)
   * @throws LimitExceededException when the key, value or sibling count is over its limit; nothing is stored
   * @throws StoreFullException when the store has no room; nothing is stored
   */
  default WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs) {
    return write(key, clientContext, valueOrNull, nodeId, nowMs, 0);
  }

  /**
   * As {@link #write(byte[], VersionVector, byte[], String, long)} with the client's idempotency id
   * ({@code writeId}, 0 for none): a write whose id a stored sibling already carries is a retry of a
   * write already applied, and changes nothing; the result's dot is that sibling's. A write whose id the
   * stored object lists as superseded (a later write or delete replaced it) changes nothing either, and
   * its result's dot is null. See {@link VersionedObject#write}.
   */
  WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs,
      long writeId);

  /**
   * Merges an object received from another replica (read repair, hinted handoff, anti-entropy)
   * into the stored one and returns what is stored afterwards: the {@link VersionedObject#merge merge},
   * {@link VersionedObject#compact() compacted} (the siblings of superseded writes removed).
   */
  VersionedObject merge(byte[] key, VersionedObject remote);

  /**
   * Removes {@code key} only if its stored object still equals {@code expected} (tombstone GC,
   * dropping data this node no longer owns). Returns true when removed.
   */
  boolean removeIfUnchanged(byte[] key, VersionedObject expected);

  /**
   * Visits every stored key. The scan is weakly consistent: it sees each key that existed for the
   * whole scan once, and may or may not see keys written during it. The key array is the caller's.
   */
  void forEach(BiConsumer<byte[], VersionedObject> action);

  /**
   * A walk over every stored key, as weakly consistent as {@link #forEach}, that can stop and go on
   * later: each {@link Cursor#advance} visits the next keys and returns. A scan that paces itself (the
   * anti-entropy tree rebuilds, leaf listings and GC sweeps) advances a chunk, schedules the next chunk
   * for when its rate allows, and holds no thread in between. It holds no lock between advances.
   */
  Cursor cursor();

  /** A resumable walk ({@link #cursor}). Advance it from one thread at a time; any thread will do. */
  interface Cursor {
    /**
     * Visits up to {@code max} further keys, stopping early after a visit that returns false. The key
     * array is the caller's.
     *
     * @return the keys visited now; fewer than {@code max} with every visit true means the walk is over
     */
    default int advance(int max, BiPredicate<byte[], VersionedObject> visit) {
      return advance(max, key -> true, visit);
    }

    /**
     * As {@link #advance(int, BiPredicate)}, reading the object of only the keys {@code wantsObject}
     * accepts: every other key is visited with a null object, and its stored bytes are neither copied
     * nor decoded. A walk that needs a few keys' objects (a leaf listing) or none (a tree rebuild, which
     * reads each key again under its own lock) pays for the keys alone. {@code wantsObject} may run
     * under a storage lock: a pure, cheap function of the key.
     */
    int advance(int max, Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit);
  }

  StorageStats stats();

  StorageLimits limits();

  @Override
  void close();
}
