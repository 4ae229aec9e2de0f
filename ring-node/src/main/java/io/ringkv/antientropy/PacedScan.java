package io.ringkv.antientropy;

import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A walk over the whole store at a bounded rate that holds no thread while it waits: the anti-entropy
 * work executor advances the storage {@link StorageEngine#cursor cursor} by {@value #CHUNK_KEYS} keys,
 * then the core scheduler queues the next chunk for when {@code keysPerSecond} allows, by the injected
 * clock. Other anti-entropy work (fetches, pushes, other scans) runs between chunks, and the simulator
 * drives a walk as it drives everything else. Tree rebuilds, leaf listings and GC sweeps walk this way.
 */
final class PacedScan {
  private static final Logger log = LoggerFactory.getLogger(PacedScan.class);

  /** Keys one work task visits before the walk checks its rate. */
  static final int CHUNK_KEYS = 1_000;

  private final StorageEngine store;
  private final long keysPerSecond;
  private final Clock clock;
  private final Scheduler core;
  private final Executor work;
  private final Predicate<byte[]> wantsObject;
  private final BiPredicate<byte[], VersionedObject> visit;
  private final LongConsumer done;
  private final Runnable failed;
  private final long startedAtMs;
  private StorageEngine.Cursor cursor;
  private long visited;
  private boolean stopped;

  private PacedScan(StorageEngine store, long keysPerSecond, Clock clock, Scheduler core, Executor work,
      Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit, LongConsumer done, Runnable failed) {
    this.store = store;
    this.keysPerSecond = keysPerSecond;
    this.clock = clock;
    this.core = core;
    this.work = work;
    this.wantsObject = wantsObject;
    this.visit = visit;
    this.done = done;
    this.failed = failed;
    this.startedAtMs = clock.nowMs();
  }

  /**
   * Starts a walk. {@code visit} runs on the work executor for each key until it returns false, with
   * the key's object when {@code wantsObject} accepts the key and null otherwise (the store then skips
   * copying and decoding it: {@link StorageEngine.Cursor#advance(int, Predicate, BiPredicate)});
   * {@code done} gets the number of keys visited, on the core thread, no earlier than the rate allows
   * for them. {@code failed} runs instead, on the core thread, when a chunk finds the work queue full
   * or the storage fails.
   */
  static void start(StorageEngine store, long keysPerSecond, Clock clock, Scheduler core, Executor work,
      Predicate<byte[]> wantsObject, BiPredicate<byte[], VersionedObject> visit, LongConsumer done,
      Runnable failed) {
    new PacedScan(store, keysPerSecond, clock, core, work, wantsObject, visit, done, failed).queueChunk();
  }

  private void queueChunk() {
    try {
      work.execute(this::chunk);
    } catch (RejectedExecutionException e) {
      core.execute(failed);
    }
  }

  private void chunk() {
    int n;
    try {
      if (cursor == null) {
        cursor = store.cursor();
      }
      n = cursor.advance(CHUNK_KEYS, wantsObject, (key, object) -> {
        stopped = !visit.test(key, object);
        return !stopped;
      });
    } catch (RuntimeException e) {
      log.warn("storage scan failed after {} keys: {}", visited, e.toString());
      core.execute(failed);
      return;
    }
    visited += n;
    boolean over = stopped || n < CHUNK_KEYS;
    long dueMs = startedAtMs + visited * 1000 / keysPerSecond;
    core.schedule(Math.max(0, dueMs - clock.nowMs()), over ? () -> done.accept(visited) : this::queueChunk);
  }
}
