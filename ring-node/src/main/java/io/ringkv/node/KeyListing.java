package io.ringkv.node;

import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The first step of every range movement that streams from this node (a bootstrap's owner side, LEAVE,
 * REMOVE's survivors): the keys of the live objects (at least one sibling) that {@code select} picks, found
 * with one storage walk on the storage executor and handed to the core thread. A full storage queue is
 * tried again after {@link #RETRY_MS} on a core timer: no thread waits.
 */
final class KeyListing {
  /** A full storage queue delays the walk by this much. */
  static final long RETRY_MS = 100;

  private KeyListing() {}

  /** Lists, then calls {@code done} on the core thread with the keys, or with the walk's failure. */
  static void list(Scheduler core, Executor storageExecutor, StorageEngine storage, Predicate<byte[]> select,
      BiConsumer<List<byte[]>, RuntimeException> done) {
    try {
      storageExecutor.execute(() -> {
        List<byte[]> keys = new ArrayList<>();
        RuntimeException failure = null;
        try {
          storage.forEach((k, o) -> {
            if (!o.siblings().isEmpty() && select.test(k)) {
              keys.add(k);
            }
          });
        } catch (RuntimeException e) {
          failure = e;
        }
        RuntimeException f = failure;
        core.execute(() -> done.accept(f == null ? keys : null, f));
      });
    } catch (RejectedExecutionException full) {
      core.schedule(RETRY_MS, () -> list(core, storageExecutor, storage, select, done));
    }
  }
}
