package io.ringkv.runtime;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: one daemon thread draining a lock-free queue, with its timers in a
 * heap that only that thread touches. A task that throws is logged, never fatal.
 *
 * <p>Why not a {@code ScheduledThreadPoolExecutor} (what this was until 2026-12): every request crosses
 * onto the core thread two to four times (the client request, each replica reply), and the executor's
 * {@code DelayedWorkQueue} is one {@code ReentrantLock} shared by every producer and every timer, with a
 * condition signal per hand-off; the profile (bench/results/profile-2026-11-22.md, finding 2) found the
 * network threads parked on it and {@code LockSupport.unpark} the hottest self frame. Here a hand-off is
 * one CAS on a {@link ConcurrentLinkedQueue} (a multi-producer queue, Michael and Scott 1996), and an
 * {@code unpark} only when the core thread is actually asleep (a Dekker-style handshake on
 * {@link #sleeping}: the core sets it and then re-checks the queue; a producer adds and then reads it,
 * so one of the two always sees the other).
 *
 * <p>Timers: a binary heap indexed by position, so cancelling a request's deadline (nearly every request
 * does) removes it in O(log n) instead of leaving it to sift through until it expires. Timers scheduled
 * or cancelled from another thread reach the heap through the task queue. Ties run in scheduling order.
 * Bounds: the heap grows with the coordinators alive (bounded by {@code maxInFlightRequests}) plus a
 * handful of periodic tasks.
 */
public final class ThreadScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ThreadScheduler.class);
  /** Queued tasks run between two looks at the clock, so a burst cannot starve the timers. */
  private static final int TASKS_PER_TIMER_CHECK = 256;

  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile boolean stopped;

  // Confined to the core thread.
  private Timer[] heap = new Timer[64];
  private int heapSize;
  private long nextSeq;

  public ThreadScheduler(String name) {
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void execute(Runnable task) {
    if (stopped) {
      return;
    }
    inbox.add(task);
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    if (stopped) {
      return () -> {};
    }
    Timer timer = new Timer(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)), task);
    if (Thread.currentThread() == thread) {
      add(timer);
    } else {
      execute(() -> add(timer));
    }
    return () -> cancel(timer);
  }

  private void cancel(Timer timer) {
    if (timer.cancelled) {
      return;
    }
    timer.cancelled = true;
    if (Thread.currentThread() == thread) {
      remove(timer);
    } else {
      execute(() -> remove(timer));
    }
  }

  private void loop() {
    while (!stopped) {
      int ran = 0;
      Runnable task;
      while (ran < TASKS_PER_TIMER_CHECK && (task = inbox.poll()) != null) {
        run(task);
        ran++;
      }
      long now = System.nanoTime();
      while (heapSize > 0 && heap[0].deadlineNanos - now <= 0) {
        Timer due = heap[0];
        remove(due);
        run(due.task);
      }
      if (ran == TASKS_PER_TIMER_CHECK || !inbox.isEmpty()) {
        continue;
      }
      sleeping = true;
      if (inbox.isEmpty() && !stopped) {
        if (heapSize == 0) {
          LockSupport.park(this);
        } else {
          long wait = heap[0].deadlineNanos - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(this, wait);
          }
        }
      }
      sleeping = false;
    }
  }

  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      log.error("core task failed", e);
    }
  }

  @Override
  public void close() {
    stopped = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- the timer heap (core thread only)

  private static final class Timer {
    final long deadlineNanos;
    final Runnable task;
    long seq;
    int index = -1;
    volatile boolean cancelled;

    Timer(long deadlineNanos, Runnable task) {
      this.deadlineNanos = deadlineNanos;
      this.task = task;
    }

    boolean before(Timer o) {
      long d = deadlineNanos - o.deadlineNanos;
      return d < 0 || (d == 0 && seq < o.seq);
    }
  }

  private void add(Timer t) {
    if (t.cancelled) {
      return;
    }
    t.seq = nextSeq++;
    if (heapSize == heap.length) {
      heap = Arrays.copyOf(heap, heapSize * 2);
    }
    t.index = heapSize;
    heap[heapSize++] = t;
    siftUp(t.index);
  }

  private void remove(Timer t) {
    int i = t.index;
    if (i < 0) {
      return; // already ran, removed, or never added
    }
    t.index = -1;
    Timer last = heap[--heapSize];
    heap[heapSize] = null;
    if (i == heapSize) {
      return;
    }
    heap[i] = last;
    last.index = i;
    siftDown(i);
    if (heap[i] == last) {
      siftUp(i);
    }
  }

  private void siftUp(int i) {
    Timer t = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Timer p = heap[parent];
      if (!t.before(p)) {
        break;
      }
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = t;
    t.index = i;
  }

  private void siftDown(int i) {
    Timer t = heap[i];
    int half = heapSize >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < heapSize && heap[right].before(heap[child])) {
        child = right;
      }
      if (!heap[child].before(t)) {
        break;
      }
      heap[i] = heap[child];
      heap[i].index = i;
      i = child;
    }
    heap[i] = t;
    t.index = i;
  }
}
