package io.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The core thread's queue and timer heap: order, cancellation from either side, many producers. */
class ThreadSchedulerTest {

  @Test
  void tasksFromManyThreadsAllRunOnTheCoreThreadInEachProducersOrder() throws Exception {
    try (ThreadScheduler core = new ThreadScheduler("test-core")) {
      int producers = 4;
      int perProducer = 20_000;
      int[] last = new int[producers];
      java.util.Arrays.fill(last, -1);
      AtomicInteger outOfOrder = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(producers * perProducer);
      String[] coreName = new String[1];
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int id = p;
        threads.add(new Thread(() -> {
          for (int i = 0; i < perProducer; i++) {
            int n = i;
            core.execute(() -> { // only the core thread touches last[]
              if (last[id] != n - 1) {
                outOfOrder.incrementAndGet();
              }
              last[id] = n;
              coreName[0] = Thread.currentThread().getName();
              done.countDown();
            });
          }
        }));
      }
      threads.forEach(Thread::start);
      assertTrue(done.await(30, TimeUnit.SECONDS), "every task ran");
      assertEquals(0, outOfOrder.get());
      assertEquals("test-core", coreName[0]);
    }
  }

  @Test
  void timersRunInDeadlineOrderAndCancelledOnesNever() throws Exception {
    try (ThreadScheduler core = new ThreadScheduler("test-core")) {
      List<Integer> ran = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      Random random = new Random(42);
      List<Scheduler.Cancellable> handles = new ArrayList<>();
      int[] expected = {0};
      CountDownLatch scheduled = new CountDownLatch(1);
      long[] loopMs = {0};
      core.execute(() -> { // scheduled and cancelled on the core thread: the heap path
        long loopStart = System.nanoTime();
        for (int i = 0; i < 500; i++) {
          int delay = 1 + random.nextInt(100);
          int tag = delay * 1000 + i;
          handles.add(core.schedule(delay, () -> ran.add(tag)));
        }
        // deadlines are the scheduling moment plus the delay: a cold or busy JVM may spend milliseconds in
        // this loop, and a later short delay may then fall due after an earlier longer one
        loopMs[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loopStart) + 1;
        for (int i = 0; i < 500; i += 2) {
          handles.get(i).cancel();
        }
        expected[0] = 250;
        core.schedule(300, done::countDown);
        scheduled.countDown();
      });
      assertTrue(scheduled.await(10, TimeUnit.SECONDS));
      assertTrue(done.await(10, TimeUnit.SECONDS));
      CountDownLatch read = new CountDownLatch(1);
      List<Integer> copy = new ArrayList<>();
      core.execute(() -> {
        copy.addAll(ran);
        read.countDown();
      });
      assertTrue(read.await(10, TimeUnit.SECONDS));
      assertEquals(expected[0], copy.size());
      for (int tag : copy) {
        assertEquals(1, (tag % 1000) % 2, "only odd (not cancelled) timers run: " + tag);
      }
      for (int i = 1; i < copy.size(); i++) {
        assertTrue(copy.get(i - 1) / 1000 <= copy.get(i) / 1000 + loopMs[0],
            "deadline order at " + i + " (scheduling took " + loopMs[0] + " ms): " + copy);
      }
    }
  }

  @Test
  void aTimerCancelledFromAnotherThreadDoesNotRun() throws Exception {
    try (ThreadScheduler core = new ThreadScheduler("test-core")) {
      AtomicInteger ran = new AtomicInteger();
      for (int i = 0; i < 1000; i++) {
        core.schedule(50, ran::incrementAndGet).cancel();
      }
      CountDownLatch done = new CountDownLatch(1);
      core.schedule(200, done::countDown);
      assertTrue(done.await(10, TimeUnit.SECONDS));
      assertEquals(0, ran.get());
    }
  }

  @Test
  void aThrowingTaskDoesNotStopTheThread() throws Exception {
    try (ThreadScheduler core = new ThreadScheduler("test-core")) {
      core.execute(() -> {
        throw new IllegalStateException("expected by the test");
      });
      CountDownLatch done = new CountDownLatch(1);
      core.execute(done::countDown);
      assertTrue(done.await(10, TimeUnit.SECONDS));
    }
  }
}
