package io.ringkv.sim;

import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * A discrete-event simulator: one fake clock, one queue of timed events, one seeded random source.
 * Every node of a simulated cluster schedules its core tasks, storage work and message deliveries
 * here, so a whole cluster runs on the calling thread and a run is replayed exactly from its seed
 * (FoundationDB's simulation, TigerBeetle's VOPR). Nothing here sleeps.
 */
public final class Simulator implements Clock {
  private record Event(long atMs, long seq, Process owner, long ownerIncarnation, Runnable task) {}

  /**
   * A simulated process. Killing it drops every event it had queued, as a SIGKILL drops a JVM's
   * threads and timers; restarting gives it a new incarnation.
   */
  public final class Process {
    private final String name;
    private long incarnation = 1;
    private boolean alive = true;
    private boolean paused;
    /** Events that came due while paused, in the order they came due. */
    private final java.util.ArrayDeque<Event> held = new java.util.ArrayDeque<>();

    Process(String name) {
      this.name = name;
    }

    public String name() {
      return name;
    }

    public boolean alive() {
      return alive;
    }

    public void kill() {
      alive = false;
      incarnation++;
      paused = false;
      held.clear();
    }

    /**
     * Stops the process as SIGSTOP does: none of its tasks, timers or message deliveries run until
     * {@link #resume}, when they all run late, in order. Its clock keeps going, and it does not know.
     */
    public void pause() {
      paused = true;
    }

    /** SIGCONT: everything that came due meanwhile runs now, in the order it came due. */
    public void resume() {
      paused = false;
      while (!held.isEmpty()) {
        Event e = held.poll();
        queue.add(new Event(now, seq++, e.owner, e.ownerIncarnation, e.task));
      }
    }

    public boolean paused() {
      return paused;
    }

    public void restart() {
      alive = true;
      incarnation++;
    }

    /** The core scheduler of this process. */
    public Scheduler scheduler() {
      return new Scheduler() {
        @Override
        public void execute(Runnable task) {
          at(now, Process.this, task);
        }

        @Override
        public Cancellable schedule(long delayMs, Runnable task) {
          boolean[] cancelled = {false};
          at(now + Math.max(0, delayMs), Process.this, () -> {
            if (!cancelled[0]) {
              task.run();
            }
          });
          return () -> cancelled[0] = true;
        }
      };
    }

    /** An executor that runs each task as its own event, interleaved with everything else. */
    public Executor executor() {
      return task -> at(now, Process.this, task);
    }
  }

  private final long seed;
  private final Random random;
  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
      a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long eventsRun;

  public Simulator(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    this.now = 1_000_000L;
  }

  public long seed() {
    return seed;
  }

  public Random random() {
    return random;
  }

  @Override
  public long nowMs() {
    return now;
  }

  public Process process(String name) {
    return new Process(name);
  }

  /** Queues {@code task} at {@code atMs} on behalf of {@code owner} (null: the test itself). */
  public void at(long atMs, Process owner, Runnable task) {
    queue.add(new Event(Math.max(atMs, now), seq++, owner, owner == null ? 0 : owner.incarnation, task));
  }

  public void after(long delayMs, Runnable task) {
    at(now + delayMs, null, task);
  }

  /** Runs one event; false when none is queued. */
  public boolean step() {
    Event e = queue.poll();
    if (e == null) {
      return false;
    }
    now = e.atMs;
    if (e.owner != null && (!e.owner.alive || e.owner.incarnation != e.ownerIncarnation)) {
      return true;
    }
    if (e.owner != null && e.owner.paused) {
      e.owner.held.add(e);
      return true;
    }
    eventsRun++;
    e.task.run();
    return true;
  }

  /** Runs events until {@code done} holds, failing after {@code maxSimMs} of simulated time. */
  public void runUntil(BooleanSupplier done, long maxSimMs) {
    long limit = now + maxSimMs;
    while (!done.getAsBoolean()) {
      Event next = queue.peek();
      if (next == null || next.atMs > limit) {
        throw new AssertionError("condition not reached after " + maxSimMs + " simulated ms (seed " + seed + ")");
      }
      step();
    }
  }

  /** Runs every event up to {@code now + ms}, then sets the clock there. */
  public void runFor(long ms) {
    long limit = now + ms;
    while (!queue.isEmpty() && queue.peek().atMs <= limit) {
      step();
    }
    now = limit;
  }

  public long eventsRun() {
    return eventsRun;
  }
}
