package io.ringkv.storage.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code kill -9}: a child JVM ({@link CrashWriterMain}) writes and acknowledges on stdout, the
 * test kills it with SIGKILL in the middle of its writes, reopens the files and checks that every
 * acknowledged write is there. Run twice over the same directory, so the second child opens a file
 * whose previous owner was killed (recovery), and is killed in turn.
 */
class ChronicleCrashTest {
  static final byte[] COUNTER = "counter".getBytes(StandardCharsets.UTF_8);

  /** Longest wait for the child to start and acknowledge the writes we wait for (JIT + Chronicle codegen). */
  private static final long ACKS_WAIT_SECONDS = 180;
  /** Longest wait for a SIGKILLed child to be reaped. */
  private static final long KILL_WAIT_SECONDS = 30;

  @TempDir Path tmp;

  static ChronicleStorageConfig config(Path dir) {
    return new ChronicleStorageConfig(dir, 50_000, 16, 32, 5.0);
  }

  static byte[] key(int n) {
    return ("key-" + n).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(int n) {
    return ("value-" + n).getBytes(StandardCharsets.UTF_8);
  }

  /** Write numbers of run {@code r} start at {@code r * RUN_STRIDE}, so runs never write the same key. */
  private static final int RUN_STRIDE = 1_000_000;

  @Test
  void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Path dir = tmp.resolve("node");
    int run0 = runAndKill(dir, 0, 200 + random.nextInt(300), false, seed);
    assertAcknowledgedWritesPresent(dir, List.of(new int[] {0, run0}), seed);
    // the store was reopened (recovered) and closed cleanly above; kill a second writer that starts from it
    int run1 = runAndKill(dir, RUN_STRIDE, RUN_STRIDE + 200 + random.nextInt(300), false, seed);
    assertAcknowledgedWritesPresent(dir, List.of(new int[] {0, run0}, new int[] {RUN_STRIDE, run1}), seed);
  }

  @Test
  void aWriterKilledTwiceWithoutACleanCloseInBetweenStillKeepsItsAcks() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Path dir = tmp.resolve("node");
    int run0 = runAndKill(dir, 0, 200 + random.nextInt(200), false, seed);
    // the second child recovers the killed file itself, then is killed too
    int run1 = runAndKill(dir, RUN_STRIDE, RUN_STRIDE + 200 + random.nextInt(200), true, seed);
    assertAcknowledgedWritesPresent(dir, List.of(new int[] {0, run0}, new int[] {RUN_STRIDE, run1}), seed);
  }

  /**
   * Starts a writer on {@code dir}, reads ACKs until {@code ackTarget} (a global write number) is
   * acknowledged, kills it with SIGKILL, and returns the highest acknowledged write number.
   */
  private int runAndKill(Path dir, int firstWrite, int ackTarget, boolean expectRecovery, long seed) throws Exception {
    Path stderr = Files.createTempFile(tmp, "child", ".stderr");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Dchronicle.analytics.disable=true", "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        CrashWriterMain.class.getName(), dir.toString(), Integer.toString(firstWrite)));
    Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> acked = reader.submit(() -> {
        BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        int last = -1;
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("OPEN ")) {
            assertEquals("OPEN recovered=" + expectRecovery, line, "seed " + seed);
          } else if (line.startsWith("ACK ")) {
            last = Integer.parseInt(line.substring(4));
            if (last >= ackTarget) {
              return last;
            }
          }
        }
        return last;
      });
      int last;
      try {
        last = acked.get(ACKS_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        fail("child did not acknowledge write " + ackTarget + " within " + ACKS_WAIT_SECONDS + "s (seed " + seed
            + "); stderr:\n" + Files.readString(stderr));
        return -1;
      }
      assertTrue(last >= ackTarget, "child stopped after ACK " + last + " (seed " + seed + "); stderr:\n"
          + Files.readString(stderr));
      assertTrue(child.isAlive(), "child exited before it was killed (seed " + seed + ")");
      child.destroyForcibly();
      assertTrue(child.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS), "killed child did not exit");
      assertEquals(137, child.exitValue(), "child was not killed by SIGKILL");
      assertTrue(Files.exists(dir.resolve(ChronicleStorageEngine.DIRTY_MARKER)), "killed child left no dirty marker");
      return last;
    } finally {
      child.destroyForcibly();
      child.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
      reader.shutdownNow();
      assertTrue(reader.awaitTermination(KILL_WAIT_SECONDS, TimeUnit.SECONDS), "ACK reader did not stop");
    }
  }

  /** Reopens {@code dir} (recovering it) and checks every write {@code n} with {@code range[0] <= n <= range[1]}. */
  private static void assertAcknowledgedWritesPresent(Path dir, List<int[]> ranges, long seed) {
    try (ChronicleStorageEngine engine = ChronicleStorageEngine.open(config(dir), StorageLimits.DEFAULTS)) {
      assertTrue(engine.recoveredOnOpen(), "a store whose writer was killed must be recovered");
      long acknowledged = 0;
      for (int[] range : ranges) {
        for (int n = range[0]; n <= range[1]; n++) {
          VersionedObject o = engine.get(key(n));
          assertNotNull(o, "acknowledged key-" + n + " is missing after kill -9 (last ACK " + range[1]
              + ", seed " + seed + ")");
          assertEquals(1, o.siblings().size(), "key-" + n + ": " + o);
          assertEquals(new String(value(n), StandardCharsets.UTF_8),
              new String(o.siblings().get(0).value(), StandardCharsets.UTF_8), "key-" + n);
          acknowledged++;
        }
      }
      int lastAck = ranges.get(ranges.size() - 1)[1];
      VersionedObject counter = engine.get(COUNTER);
      assertNotNull(counter, "counter missing (seed " + seed + ")");
      List<Sibling> live = counter.liveSiblings();
      assertEquals(1, live.size(), "counter was rewritten with contexts, so it has one sibling: " + counter);
      int stored = Integer.parseInt(new String(live.get(0).value(), StandardCharsets.UTF_8).substring("value-".length()));
      assertTrue(stored >= lastAck, "counter is " + stored + " but write " + lastAck + " was acknowledged (seed " + seed + ")");
      assertTrue(engine.stats().keys() >= acknowledged + 1, "fewer keys than acknowledged writes");
    }
  }
}
