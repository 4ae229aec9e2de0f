package io.ringkv.transfer;

import io.ringkv.gossip.Endpoint;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.transfer.Transfer.Abandon;
import io.ringkv.transfer.Transfer.Effect;
import io.ringkv.transfer.Transfer.Finished;
import io.ringkv.transfer.Transfer.Handed;
import io.ringkv.transfer.Transfer.Load;
import io.ringkv.transfer.Transfer.Loaded;
import io.ringkv.transfer.Transfer.Send;
import io.ringkv.transfer.Transfer.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Runs a {@link Transfer} on a node's core scheduler: its loads on the storage executor, its merges
 * through {@link Merges}, its timer on the scheduler. Everything here happens on the core thread except
 * the storage reads, whose results come back to it; no thread of its own, no sleep, no clock read but the
 * injected {@link Clock}, so the simulator drives it like any other core task.
 */
public final class TransferDriver {
  /** A full storage queue delays the next load by this much (the executor sheds load; we come back). */
  static final long LOAD_RETRY_MS = 100;

  /** How a node sends a replica merge and hears its answer (on the core thread). */
  public interface Merges {
    /**
     * Sends {@code object} for {@code key} to {@code to} as a replica merge; {@code acked} is told once,
     * on the core thread, whether it was acknowledged. Returns a handle that forgets the request (a late
     * answer is then ignored).
     */
    Runnable send(Endpoint to, byte[] key, VersionedObject object, Consumer<Boolean> acked);
  }

  /** What a node's transfer runs on. */
  public record Runtime(Scheduler core, Clock clock, Executor storageExecutor, StorageEngine storage, Merges merges) {}

  private final Transfer transfer;
  private final Runtime rt;
  private final Consumer<Handed> onHanded;
  private final BiConsumer<Long, Long> onProgress;
  private final CompletableFuture<Finished> done = new CompletableFuture<>();
  private final Map<Long, Runnable> outstanding = new HashMap<>();
  private Scheduler.Cancellable timer;
  private long timerAtMs = -1;

  private TransferDriver(Transfer transfer, Runtime rt, Consumer<Handed> onHanded, BiConsumer<Long, Long> onProgress) {
    this.transfer = transfer;
    this.rt = rt;
    this.onHanded = onHanded;
    this.onProgress = onProgress;
  }

  /**
   * Starts {@code transfer}; call on the core thread. {@code onHanded} hears of every key all its targets
   * acknowledged, {@code onProgress} (keys done, bytes sent) after every step; the future completes on the
   * core thread when the transfer is over.
   */
  public static CompletableFuture<Finished> start(Transfer transfer, Runtime rt, Consumer<Handed> onHanded,
      BiConsumer<Long, Long> onProgress) {
    TransferDriver d = new TransferDriver(transfer, rt, onHanded, onProgress);
    d.apply(transfer.start(rt.clock().nowMs()));
    return d.done;
  }

  private void apply(Step step) {
    for (Effect e : step.effects()) {
      if (e instanceof Send s) {
        long seq = s.seq();
        outstanding.put(seq, rt.merges().send(s.to(), s.key(), s.object(), ok -> {
          if (outstanding.remove(seq) != null) {
            apply(transfer.onAck(seq, ok, rt.clock().nowMs()));
          }
        }));
      } else if (e instanceof Abandon a) {
        Runnable forget = outstanding.remove(a.seq());
        if (forget != null) {
          forget.run();
        }
      } else if (e instanceof Load l) {
        load(l.keys());
      } else if (e instanceof Handed h) {
        onHanded.accept(h);
      } else if (e instanceof Finished f) {
        outstanding.values().forEach(Runnable::run);
        outstanding.clear();
        cancelTimer();
        onProgress.accept(transfer.keysDone(), transfer.bytes());
        done.complete(f);
        return;
      }
    }
    onProgress.accept(transfer.keysDone(), transfer.bytes());
    wakeAt(step.wakeAtMs());
  }

  private void load(List<byte[]> keys) {
    try {
      rt.storageExecutor().execute(() -> {
        List<Loaded> loaded = new ArrayList<>(keys.size());
        RuntimeException failure = null;
        for (byte[] k : keys) {
          try {
            loaded.add(new Loaded(k, rt.storage().get(k)));
          } catch (RuntimeException ex) {
            failure = ex;
            break;
          }
        }
        RuntimeException f = failure;
        rt.core().execute(() -> {
          if (f != null) {
            fail(f);
          } else {
            apply(transfer.onLoaded(loaded, rt.clock().nowMs()));
          }
        });
      });
    } catch (RejectedExecutionException full) {
      rt.core().schedule(LOAD_RETRY_MS, () -> load(keys));
    }
  }

  private void fail(RuntimeException e) {
    outstanding.values().forEach(Runnable::run);
    outstanding.clear();
    cancelTimer();
    done.completeExceptionally(e);
  }

  private void wakeAt(long atMs) {
    if (atMs < 0 || done.isDone()) {
      return;
    }
    if (timer != null && timerAtMs <= atMs) {
      return; // an earlier wake-up is set; it reschedules
    }
    cancelTimer();
    timerAtMs = atMs;
    timer = rt.core().schedule(Math.max(0, atMs - rt.clock().nowMs()), () -> {
      timer = null;
      timerAtMs = -1;
      if (!done.isDone()) {
        apply(transfer.onTick(rt.clock().nowMs()));
      }
    });
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
      timerAtMs = -1;
    }
  }
}
