package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.causality.VersionedObject;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands objects to other nodes as replica merges with a bound on merges in flight and a byte rate; the
 * streaming of decommission (LEAVE), bootstrap (a joining node's ranges) and cleanup (copies a node no
 * longer owns). Runs on a caller's
 * own thread (it blocks while the bound is reached); sends and callbacks run on the node's core thread.
 */
final class Handover {
  /** Merges in flight (default 256: enough to fill loopback, bounded memory). */
  static final int IN_FLIGHT_MAX = 256;
  /** Stream rate (default 16 MiB/s: 1 GB moves in about a minute without starving clients). */
  static final long BYTES_PER_SECOND = 16L << 20;
  /**
   * The rate of the streams started from now on in this JVM; {@link #BYTES_PER_SECOND} but for tests
   * that need a stream slow enough to watch.
   */
  static volatile long bytesPerSecond = BYTES_PER_SECOND;
  static final long ACK_TIMEOUT_MS = 10_000;

  private final RingNode node;
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT_MAX);
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final long started = System.nanoTime();
  private final long rate = bytesPerSecond;

  Handover(RingNode node) {
    this.node = node;
  }

  /** Sends {@code object} to {@code to}, waiting for room under the bounds first. */
  void send(Endpoint to, byte[] key, VersionedObject object) throws InterruptedException {
    send(to, key, object, null);
  }

  /**
   * As {@link #send(Endpoint, byte[], VersionedObject)}; {@code onAck}, when not null, is told once whether
   * {@code to} acknowledged the object (on the core thread, or on the caller's when no room was found).
   */
  void send(Endpoint to, byte[] key, VersionedObject object, java.util.function.Consumer<Boolean> onAck)
      throws InterruptedException {
    java.util.function.Consumer<Boolean> outcome = onAck == null ? ok -> {} : onAck;
    if (!inFlight.tryAcquire(ACK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      failed.incrementAndGet();
      outcome.accept(false);
      return;
    }
    bytes.addAndGet(object.valueBytes() + key.length);
    node.core().execute(() -> {
      boolean[] done = {false};
      long id = node.request(to, rid -> new ReplicaMerge(rid, key, object, null), (from, reply) -> {
        if (!done[0]) {
          done[0] = true;
          (reply instanceof ReplicaAck ? acked : failed).incrementAndGet();
          inFlight.release();
          outcome.accept(reply instanceof ReplicaAck);
        }
      });
      node.core().schedule(ACK_TIMEOUT_MS, () -> {
        if (!done[0]) {
          done[0] = true;
          node.forget(id);
          failed.incrementAndGet();
          inFlight.release();
          outcome.accept(false);
        }
      });
    });
    long aheadMs = bytes.get() * 1000 / rate - (System.nanoTime() - started) / 1_000_000;
    if (aheadMs > 0) {
      Thread.sleep(aheadMs);
    }
  }

  /** Waits until every merge sent was answered or timed out. */
  void finish() throws InterruptedException {
    inFlight.acquire(IN_FLIGHT_MAX);
    inFlight.release(IN_FLIGHT_MAX);
  }

  long acked() {
    return acked.get();
  }

  long failed() {
    return failed.get();
  }

  long bytes() {
    return bytes.get();
  }

  long elapsedSeconds() {
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
  }

  /** Runs {@code task} on the node's core thread (where membership state lives) and waits for it. */
  static <T> T onCore(RingNode node, java.util.function.Supplier<T> task) throws InterruptedException {
    java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
    node.core().execute(() -> {
      try {
        f.complete(task.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the node's core thread did not answer in 30 s");
    }
  }
}
