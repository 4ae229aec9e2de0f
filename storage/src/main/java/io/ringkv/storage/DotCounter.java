package io.ringkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under the dot counters a node mints. Dots are numbered per key, from the key's own
 * context, which is enough while a key's object exists; but once tombstone GC has purged a key, its
 * next write would start again at 1 and could reuse a dot that another replica, or a client's
 * context, has already seen, so that replica would discard the new write as already overwritten.
 * Minting every dot above the highest counter this node ever minted for any key rules that out
 * (Riak's per-vnode counter does the same).
 *
 * <p>The floor is persisted as a lease: the file holds a value above every counter minted so far; it
 * is raised (and fsynced) in steps of {@link #LEASE_STEP}, and a restart begins at the stored lease,
 * skipping at most one step of numbers.
 */
public final class DotCounter {
  /** Counters leased per fsync: one disk sync per million writes. */
  public static final long LEASE_STEP = 1L << 20;

  private final AtomicLong floor;
  private final FileChannel file;
  private long lease;

  private DotCounter(long start, FileChannel file, long lease) {
    this.floor = new AtomicLong(start);
    this.file = file;
    this.lease = lease;
  }

  /** A counter that lives as long as this object (in-memory stores, simulations). */
  public static DotCounter inMemory() {
    return new DotCounter(0, null, Long.MAX_VALUE);
  }

  /** A counter whose lease is kept in {@code path}. */
  public static DotCounter persisted(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    long stored = 0;
    if (ch.size() >= Long.BYTES) {
      ByteBuffer b = ByteBuffer.allocate(Long.BYTES);
      ch.read(b, 0);
      b.flip();
      stored = b.getLong();
      if (stored < 0) {
        ch.close();
        throw new IOException(path + " is corrupt (negative lease " + stored + ")");
      }
    }
    DotCounter c = new DotCounter(stored, ch, stored);
    c.extendLease(stored + LEASE_STEP);
    return c;
  }

  /** Every dot this node mints must have a counter above this. */
  public long floor() {
    return floor.get();
  }

  /** Records a minted counter; extends the durable lease first when the counter reaches it. */
  public void minted(long counter) {
    floor.accumulateAndGet(counter, Math::max);
    if (file != null && counter >= lease) {
      synchronized (this) {
        if (counter >= lease) {
          extendLease(counter + LEASE_STEP);
        }
      }
    }
  }

  private void extendLease(long newLease) {
    try {
      ByteBuffer b = ByteBuffer.allocate(Long.BYTES).putLong(0, newLease);
      file.write(b, 0);
      file.force(false);
      lease = newLease;
    } catch (IOException e) {
      throw new StorageException("cannot persist the dot counter lease: " + e.getMessage(), e);
    }
  }

  public void close() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // nothing to lose: the lease on disk is already above every minted counter
      }
    }
  }
}
