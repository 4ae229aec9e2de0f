package io.ringkv.storage.chronicle;

import io.ringkv.storage.LimitExceededException;
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
import io.ringkv.storage.codec.RecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapAbsentEntry;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent {@link StorageEngine}: a memory-mapped Chronicle Map {@code byte[] -> byte[]} in
 * {@code <dataDir>/objects.dat}, whose values are {@link RecordCodec} records.
 *
 * <h2>Durability</h2>
 * A write returns once its record is in the mapped file, that is in the OS page cache: it survives
 * the death of the process ({@code kill -9}) but not of the machine, which would need an msync per
 * write (Dynamo-style replication to N nodes is what covers a lost machine).
 *
 * <h2>Opening after a crash</h2>
 * Chronicle Map keeps its segment locks and entry counts inside the file, so a process killed in the
 * middle of a write can leave a segment locked or half-updated. Chronicle's own advice (issue #515,
 * which deprecated and later removed {@code createOrRecoverPersistedTo}) is to open with
 * {@code createPersistedTo} and to call {@code recoverPersistedTo} only on a file that may be
 * corrupt, never concurrently with another opener. So this engine
 * <ul>
 *   <li>holds an exclusive {@link FileLock} on {@code <dataDir>/objects.lock} while open, so no second
 *       process (or engine) opens or recovers the same file;
 *   <li>creates {@code <dataDir>/objects.dirty} after opening and deletes it on a clean {@link #close};
 *   <li>on open, calls {@code recoverPersistedTo(file, true)} when the marker is present (the previous
 *       owner did not close cleanly) and {@code createPersistedTo(file)} otherwise.
 * </ul>
 * Recovery checks each entry's checksum (on by default for persisted maps) and logs any entry it had
 * to drop. That alone would lose a key whose record was being overwritten in place when the process
 * died (its last acknowledged state is gone), so every change is first appended to a
 * {@link RedoJournal} ({@code <dataDir>/objects.journal}) and the journal is replayed on open.
 *
 * <h2>Atomic read-modify-write</h2>
 * {@link #write}, {@link #merge} and {@link #removeIfUnchanged} run inside a Chronicle query context
 * holding the key's segment update lock (a lock in the mapped file) for the whole
 * decode-apply-journal-store (not through {@code ChronicleMap.compute}: see {@code computeRecord}).
 * This is chosen over a striped {@code ReentrantLock} around get/put because the segment lock is the
 * one Chronicle already takes for the put, so we take one lock instead of two; it also excludes other
 * processes mapping the file (tools, a restarted node racing a dying one), and it orders the journal
 * entries of one key exactly as the map changes. The work done under the lock is CPU plus one
 * page-cache append (decode, {@link VersionedObject#write}, encode, journal) and bounded by the
 * object limits; an exception thrown inside leaves the stored entry unchanged. Cost: each change
 * writes its record twice (journal and map), both to the page cache.
 *
 * <h2>Full store</h2>
 * Chronicle sizes the file from {@link ChronicleStorageConfig} and can grow by {@code maxBloatFactor};
 * beyond that it throws {@code IllegalStateException("Attempt to allocate #n extra segment tier ...")}.
 * This engine turns that into a {@link StoreFullException} naming
 * {@code storage.entries (--storage-entries)}, and makes sure the refused write changed nothing.
 */
public final class ChronicleStorageEngine implements StorageEngine {
  static {
    // Must run before any Chronicle class is initialised: Chronicle otherwise sends usage analytics.
    System.setProperty("chronicle.analytics.disable", "true");
  }

  private static final Logger log = LoggerFactory.getLogger(ChronicleStorageEngine.class);

  /**
   * Bytes a record adds to its values, for sizing (64): format byte, context, sibling dots, timestamps,
   * write ids and superseded write ids. Measured with 14-byte node ids ("127.0.0.1_7001"): 38 for a key
   * written once; 70 once another node updated it with the read's context (two node ids, one superseded
   * write); 10 more per further superseded write, at most 8 of them (140).
   */
  static final int RECORD_OVERHEAD_BYTES = 64;

  static final String LOCK_FILE = "objects.lock";
  static final String DIRTY_MARKER = "objects.dirty";

  private static final String ENTRIES_SETTING = "storage.entries (--storage-entries)";

  /** The lease of the node-wide dot counter floor (see {@link DotCounter}). */
  static final String DOT_LEASE_FILE = "dots.lease";

  private final ChronicleStorageConfig config;
  private final StorageLimits limits;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ChronicleMap<byte[], byte[]> map;
  private final RedoJournal journal;
  private final long journalBytesMax;
  /** Changes hold it shared (journal append + map change); a checkpoint holds it exclusively to truncate the journal. */
  private final ReentrantReadWriteLock checkpointLock = new ReentrantReadWriteLock();
  private final boolean recovered;
  private final DotCounter dots;
  private volatile boolean closed;

  private ChronicleStorageEngine(ChronicleStorageConfig config, StorageLimits limits, FileChannel lockChannel,
      FileLock lock, ChronicleMap<byte[], byte[]> map, RedoJournal journal, long journalBytesMax, boolean recovered,
      DotCounter dots) {
    this.dots = dots;
    this.config = config;
    this.limits = limits;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.map = map;
    this.journal = journal;
    this.journalBytesMax = journalBytesMax;
    this.recovered = recovered;
  }

  /**
   * Opens (creating if needed) the store in {@code config.dataDir()}, recovering it first when the
   * previous owner did not close it cleanly.
   *
   * @throws StorageException when the directory is in use by another engine or cannot be opened
   */
  public static ChronicleStorageEngine open(ChronicleStorageConfig config, StorageLimits limits) {
    return open(config, limits, RedoJournal.BYTES_MAX);
  }

  /** As {@link #open(ChronicleStorageConfig, StorageLimits)} with another checkpoint size (tests). */
  static ChronicleStorageEngine open(ChronicleStorageConfig config, StorageLimits limits, long journalBytesMax) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(limits, "limits");
    Path dir = config.dataDir();
    FileChannel lockChannel = null;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StorageException("data directory " + dir + " is already open by another storage engine or process");
      }
      Path file = config.objectsFile();
      Path dirty = dir.resolve(DIRTY_MARKER);
      ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
          .name("ringkv-objects")
          .entries(config.entries())
          .averageKeySize(config.averageKeyBytes())
          .averageValueSize(config.averageValueBytes() + RECORD_OVERHEAD_BYTES)
          .maxBloatFactor(config.maxBloatFactor());
      boolean recover = Files.exists(file) && Files.exists(dirty);
      ChronicleMap<byte[], byte[]> map;
      if (recover) {
        log.warn("{} was not closed cleanly; recovering it", file);
        map = builder.recoverPersistedTo(file.toFile(), true,
            corruption -> log.warn("recovery of {}: {}", file, corruption.message(), corruption.exception()));
        log.info("recovered {}: {} keys", file, map.longSize());
      } else {
        map = builder.createPersistedTo(file.toFile());
      }
      RedoJournal journal = null;
      DotCounter dots;
      try {
        dots = DotCounter.persisted(dir.resolve(DOT_LEASE_FILE));
        journal = RedoJournal.open(dir);
        replay(journal, map, file);
        if (!Files.exists(dirty)) {
          Files.createFile(dirty);
          syncDirectory(dir);
        }
      } catch (IOException | RuntimeException e) {
        map.close();
        if (journal != null) {
          journal.close();
        }
        throw e;
      }
      return new ChronicleStorageEngine(config, limits, lockChannel, lock, map, journal, journalBytesMax, recover,
          dots);
    } catch (IOException | RuntimeException e) {
      closeQuietly(lockChannel);
      if (e instanceof StorageException se) {
        throw se;
      }
      throw new StorageException("cannot open storage in " + dir + ": " + e, e);
    }
  }

  /**
   * Gives every key the journal names its last journaled state (the journal only holds changes since
   * the last checkpoint, so this is a no-op after a clean close), then empties the journal.
   */
  private static void replay(RedoJournal journal, ChronicleMap<byte[], byte[]> map, Path file) throws IOException {
    Map<RedoJournal.ByteArrayKey, byte[]> states = journal.lastStates();
    if (states.isEmpty()) {
      journal.truncate();
      return;
    }
    int repaired = 0;
    for (Map.Entry<RedoJournal.ByteArrayKey, byte[]> e : states.entrySet()) {
      byte[] key = e.getKey().bytes();
      byte[] record = e.getValue();
      byte[] current = map.get(key);
      if (record == null) {
        if (current != null) {
          map.remove(key);
          repaired++;
        }
      } else if (!Arrays.equals(current, record)) {
        map.put(key, record);
        repaired++;
      }
    }
    log.warn("replayed {} journaled changes into {}; {} keys differed from the journal and were repaired",
        states.size(), file, repaired);
    journal.truncate();
  }

  /** True when this engine had to recover its file because the previous owner did not close it. */
  public boolean recoveredOnOpen() {
    return recovered;
  }

  public ChronicleStorageConfig config() {
    return config;
  }

  @Override
  public VersionedObject get(byte[] key) {
    checkOpen();
    byte[] record = map.get(key);
    return record == null ? null : RecordCodec.decode(record);
  }

  @Override
  public WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs,
      long writeId) {
    checkOpen();
    Objects.requireNonNull(nodeId, "nodeId");
    VersionVector context = clientContext == null ? VersionVector.EMPTY : clientContext;
    limits.checkWrite(key, valueOrNull);
    VersionedObject[] before = new VersionedObject[1];
    VersionedObject[] after = new VersionedObject[1];
    computeRecord(key, (k, stored) -> {
      VersionedObject previous = stored == null ? null : RecordCodec.decode(stored);
      VersionedObject next = (previous == null ? VersionedObject.EMPTY : previous)
          .write(context, valueOrNull, nodeId, nowMs, dots.floor(), writeId);
      if (limits.checkSiblings(next.siblings().size())) {
        log.warn("key of {} bytes has {} siblings after a write by {} (siblingsWarn={}, siblingsMax={})",
            key.length, next.siblings().size(), nodeId, limits.siblingsWarn(), limits.siblingsMax());
      }
      before[0] = previous;
      after[0] = next;
      return RecordCodec.encode(next);
    });
    WriteResult result = WriteResult.of(before[0], after[0], nodeId, writeId);
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
    VersionedObject[] after = new VersionedObject[1];
    computeRecord(key, (k, stored) -> {
      // stored compacted: a sibling of a superseded write is dropped here (its dot stays in the context)
      VersionedObject next = (stored == null ? remote : RecordCodec.decode(stored).merge(remote)).compact();
      if (next.siblings().size() >= limits.siblingsWarn()) {
        log.warn("key of {} bytes has {} siblings after a merge (siblingsWarn={})",
            key.length, next.siblings().size(), limits.siblingsWarn());
      }
      after[0] = next;
      return RecordCodec.encode(next);
    });
    return after[0];
  }

  @Override
  public boolean removeIfUnchanged(byte[] key, VersionedObject expected) {
    checkOpen();
    Objects.requireNonNull(expected, "expected");
    boolean[] removed = new boolean[1];
    computeRecord(key, (k, stored) -> {
      if (stored == null || !RecordCodec.decode(stored).equals(expected)) {
        return stored;
      }
      removed[0] = true;
      return null;
    });
    return removed[0];
  }

  /**
   * Visits every key through Chronicle's entry iterator, which copies one segment's entries at a time
   * under that segment's lock and then hands them out with no lock held, so {@code action} may call
   * back into this engine (e.g. {@link #removeIfUnchanged}) without deadlocking.
   */
  @Override
  public void forEach(BiConsumer<byte[], VersionedObject> action) {
    checkOpen();
    Iterator<Map.Entry<byte[], byte[]>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<byte[], byte[]> e = it.next();
      action.accept(e.getKey(), RecordCodec.decode(e.getValue()));
    }
  }

  /**
   * A walk over the segments in order: one segment's entries are copied under its lock (as Chronicle's
   * own entry iterator does) and handed out with no lock held. Unlike that iterator, which must stay on
   * one thread, it may be advanced from any thread, one at a time.
   */
  @Override
  public Cursor cursor() {
    checkOpen();
    return new SegmentCursor();
  }

  private final class SegmentCursor implements Cursor {
    private final ArrayDeque<byte[][]> segment = new ArrayDeque<>();
    private int nextSegment;

    @Override
    public int advance(int max, Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit) {
      checkOpen();
      int visited = 0;
      while (visited < max) {
        if (segment.isEmpty()) {
          if (nextSegment >= map.segments()) {
            break;
          }
          try (MapSegmentContext<byte[], byte[], ?> c = map.segmentContext(nextSegment++)) {
            c.forEachSegmentEntry(e -> {
              byte[] key = e.key().getUsing(null);
              segment.add(new byte[][] {key, wantsObject.test(key) ? e.value().getUsing(null) : null});
            });
          }
          continue;
        }
        byte[][] e = segment.poll();
        visited++;
        if (!visit.test(e[0], e[1] == null ? null : RecordCodec.decode(e[1]))) {
          break;
        }
      }
      return visited;
    }
  }

  /**
   * Keys from Chronicle's counters; {@code capacityKeys} is the configured {@code entries} (the file's
   * own sizing wins if it was created with another value); {@code bytesUsed} sums Chronicle's per-segment
   * used bytes (whole allocation chunks, so slightly above the records' size). Visits every segment:
   * meant for metrics, not for every request.
   */
  @Override
  public StorageStats stats() {
    checkOpen();
    long used = 0;
    for (ChronicleMap.SegmentStats segment : map.segmentStats()) {
      used += segment.usedBytes();
    }
    return new StorageStats(map.longSize(), config.entries(), used);
  }

  @Override
  public StorageLimits limits() {
    return limits;
  }

  /** Closes the map, then marks the file clean and releases the directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    checkpointLock.writeLock().lock();
    try {
      map.close();
      journal.truncate();
      journal.close();
      dots.close();
      Files.deleteIfExists(config.dataDir().resolve(DIRTY_MARKER));
      syncDirectory(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("closing storage in " + config.dataDir(), e);
    } finally {
      checkpointLock.writeLock().unlock();
      try {
        lock.release();
      } catch (IOException e) {
        log.warn("releasing {}", LOCK_FILE, e);
      }
      closeQuietly(lockChannel);
    }
  }

  /**
   * Atomically replaces the record of {@code key} with {@code fn(key, storedOrNull)} (null removes it)
   * under the key's segment update lock, turning Chronicle's "no room" failures into
   * {@link StoreFullException}.
   *
   * <p>Why not {@code ChronicleMap.compute}: when a record grows, Chronicle relocates the entry, and if
   * the relocation cannot allocate (the store is full) it has already released the old entry and
   * decremented the segment's entry count, leaving a segment in which {@code get} still finds the key
   * but iteration and {@code size()} miss it (found by
   * {@code ChronicleStorageEngineTest.aFullStoreIsAClearErrorAndKeepsEverythingWrittenBefore}).
   * So a record that grows is written as remove + insert inside the same lock, and if the insert finds
   * no room the old record is inserted back into the space it has just freed.
   */
  private void computeRecord(byte[] key, BiFunction<byte[], byte[], byte[]> fn) {
    checkpointLock.readLock().lock();
    try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(key)) {
      c.updateLock().lock();
      MapEntry<byte[], byte[]> entry = c.entry();
      byte[] stored = entry == null ? null : entry.value().getUsing(null);
      byte[] next = fn.apply(key, stored);
      if (next == stored) {
        return;
      }
      journal(key, next);
      try {
        if (next == null) {
          entry.doRemove();
        } else if (entry == null) {
          insert(c, next);
        } else if (next.length <= stored.length) {
          entry.doReplaceValue(c.wrapValueAsData(next));
        } else {
          entry.doRemove();
          try {
            insert(c, next);
          } catch (RuntimeException refused) {
            // full, or the grown record is over Chronicle's largest entry: put the old record back in
            // the space it has just freed, so the refused write changes nothing
            c.absentEntry().doInsert(c.wrapValueAsData(stored));
            throw refused;
          }
        }
      } catch (RuntimeException refused) {
        journal(key, stored); // the map still holds the old state: say so, or a replay would apply the refused one
        throw refused;
      }
    } catch (StorageException e) {
      throw e;
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new StorageException("storage write failed: " + e.getMessage(), e);
    } finally {
      checkpointLock.readLock().unlock();
    }
    maybeCheckpoint();
  }

  private void journal(byte[] key, byte[] recordOrNull) {
    try {
      if (recordOrNull == null) {
        journal.remove(key);
      } else {
        journal.put(key, recordOrNull);
      }
    } catch (IOException e) {
      throw new StorageException("cannot append to the redo journal in " + config.dataDir() + ": " + e, e);
    }
  }

  /** Empties the journal once it is over its bound ({@link RedoJournal#BYTES_MAX}), waiting for changes in flight. */
  private void maybeCheckpoint() {
    if (journal.size() <= journalBytesMax) {
      return;
    }
    checkpointLock.writeLock().lock();
    try {
      if (!closed && journal.size() > journalBytesMax) {
        journal.truncate();
      }
    } catch (IOException e) {
      throw new StorageException("cannot truncate the redo journal in " + config.dataDir() + ": " + e, e);
    } finally {
      checkpointLock.writeLock().unlock();
    }
  }

  private void insert(ExternalMapQueryContext<byte[], byte[], ?> c, byte[] record) {
    MapAbsentEntry<byte[], byte[]> absent = c.absentEntry();
    try {
      absent.doInsert(c.wrapValueAsData(record));
    } catch (IllegalStateException e) {
      if (isOutOfSpace(e)) {
        throw new StoreFullException("store is full (" + config.objectsFile() + " was sized for "
            + config.entries() + " keys of ~" + config.averageValueBytes() + " bytes, maxBloatFactor="
            + config.maxBloatFactor() + "); raise " + ENTRIES_SETTING
            + " (it applies when the data directory is created)", e);
      }
      throw e;
    } catch (IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).contains("too large")) {
        throw new LimitExceededException("a record of " + record.length + " bytes is too large for this store's"
            + " chunk layout (" + e.getMessage() + "); raise storage.averageValueBytes for new stores"
            + " or lower valueBytesMax");
      }
      throw e;
    }
  }

  private static boolean isOutOfSpace(IllegalStateException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("Attempt to allocate") || m.contains("is full") || m.contains("no ranges of");
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException("storage engine for " + config.dataDir() + " is closed");
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not every file system lets a directory be opened for sync; the marker still exists in the page cache.
      log.debug("cannot sync directory {}", dir, e);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing a lock file; nothing to do
      }
    }
  }
}
