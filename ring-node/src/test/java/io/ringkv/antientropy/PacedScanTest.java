package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.sim.Simulator;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** A paced walk keeps to its rate by the injected clock and lets other work run between its chunks. */
class PacedScanTest {
  private static final int KEYS = 10_500;

  private static InMemoryStorageEngine store() {
    InMemoryStorageEngine s = InMemoryStorageEngine.withDefaults();
    for (int i = 0; i < KEYS; i++) {
      s.write(("k" + i).getBytes(StandardCharsets.UTF_8), VersionVector.EMPTY, new byte[] {1}, "a", 1);
    }
    return s;
  }

  @Test
  void visitsEveryKeyOnceAtTheRateAndOthersRunBetweenChunks() {
    Simulator sim = new Simulator(1);
    Simulator.Process p = sim.process("n1");
    Set<String> seen = new HashSet<>();
    long[] doneAt = {-1};
    long[] doneVisited = {-1};
    List<Long> otherWorkAt = new ArrayList<>();
    long start = sim.nowMs();
    PacedScan.start(store(), 1_000, sim, p.scheduler(), p.executor(), k -> true,
        (k, o) -> seen.add(new String(k, StandardCharsets.UTF_8)),
        visited -> {
          doneAt[0] = sim.nowMs() - start;
          doneVisited[0] = visited;
        }, () -> {
          throw new AssertionError("failed");
        });
    // other anti-entropy work queued every second while the walk runs
    for (int s = 1; s <= 9; s++) {
      sim.after(s * 1_000L + 1, () -> p.executor().execute(() -> otherWorkAt.add(sim.nowMs() - start)));
    }
    sim.runUntil(() -> doneAt[0] >= 0, 60_000);
    assertEquals(KEYS, seen.size());
    assertEquals(KEYS, doneVisited[0]);
    // 10,500 keys at 1,000 keys/s: done no sooner than 10.5 s after the start, and not much later
    assertTrue(doneAt[0] >= 10_500 && doneAt[0] < 11_000, "done at " + doneAt[0]);
    assertEquals(9, otherWorkAt.size());
    for (int i = 0; i < otherWorkAt.size(); i++) {
      assertTrue(otherWorkAt.get(i) < (i + 1) * 1_000L + 1_000, "other work waited for the walk: " + otherWorkAt);
    }
  }

  @Test
  void aVisitReturningFalseEndsTheWalkEarly() {
    Simulator sim = new Simulator(2);
    Simulator.Process p = sim.process("n1");
    int[] visits = {0};
    long[] done = {-1};
    PacedScan.start(store(), 1_000_000, sim, p.scheduler(), p.executor(), k -> true, (k, o) -> ++visits[0] < 2_500,
        visited -> done[0] = visited, () -> {
          throw new AssertionError("failed");
        });
    sim.runUntil(() -> done[0] >= 0, 60_000);
    assertEquals(2_500, visits[0]);
    assertEquals(2_500, done[0]);
  }

  @Test
  void aFullWorkQueueOrAClosedStoreFailsTheWalkOnTheCoreThread() {
    Simulator sim = new Simulator(3);
    Simulator.Process p = sim.process("n1");
    Executor full = task -> {
      throw new RejectedExecutionException("full");
    };
    boolean[] failed = {false};
    PacedScan.start(store(), 1_000, sim, p.scheduler(), full, k -> true, (k, o) -> true, v -> {
      throw new AssertionError("done");
    }, () -> failed[0] = true);
    sim.runFor(1_000);
    assertTrue(failed[0]);

    InMemoryStorageEngine closed = store();
    closed.close();
    boolean[] failed2 = {false};
    PacedScan.start(closed, 1_000, sim, p.scheduler(), p.executor(), k -> true, (k, o) -> true, v -> {
      throw new AssertionError("done");
    }, () -> failed2[0] = true);
    sim.runFor(1_000);
    assertTrue(failed2[0]);
  }
}
