package io.ringkv.runtime;

/**
 * The node core's single thread of control. Everything that touches coordinator or membership state
 * runs as a task here, one at a time, so the core needs no locks; under simulation the tasks of all
 * nodes interleave on one thread in an order fixed by the seed.
 */
public interface Scheduler {
  /** Runs {@code task} on the core thread as soon as possible. */
  void execute(Runnable task);

  /** Runs {@code task} on the core thread after {@code delayMs}. */
  Cancellable schedule(long delayMs, Runnable task);

  /** A scheduled task that may be cancelled before it runs. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
