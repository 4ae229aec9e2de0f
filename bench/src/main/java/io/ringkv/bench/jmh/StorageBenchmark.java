package io.ringkv.bench.jmh;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.chronicle.ChronicleStorageConfig;
import io.ringkv.storage.chronicle.ChronicleStorageEngine;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One replica's storage calls on a store preloaded with {@link #KEYS} keys of {@code valueBytes}:
 * <ul>
 *   <li>{@code get}: read and decode a stored object;
 *   <li>{@code write}: a client write carrying the context of the object it replaces (an overwrite, so
 *       the object keeps one sibling): decode, {@code VersionedObject.write}, encode, store, under the
 *       key's lock;
 *   <li>{@code merge}: a replica merging a newer object from a peer (what replication after a write and
 *       read repair do); building that newer object ({@code VersionedObject.write}, no storage) is part of
 *       the measured time.
 * </ul>
 * Keys are visited round-robin, so Chronicle's reads touch the whole (page-cached) file.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.O1, BenchJvm.O2, BenchJvm.O3, BenchJvm.O4, BenchJvm.O5, BenchJvm.O6,
    BenchJvm.E1, BenchJvm.E2, BenchJvm.E3, BenchJvm.E4, BenchJvm.E5, BenchJvm.NO_ANALYTICS, BenchJvm.HEAP})
public class StorageBenchmark {
  static final int KEYS = 10_000;

  @Param({"chronicle", "memory"})
  public String engine;

  @Param({"1024"})
  public int valueBytes;

  private Path dir;
  private StorageEngine store;
  private byte[][] keys;
  private VersionVector[] contexts;
  private VersionedObject[] current;
  private byte[] value;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    keys = Fixtures.keys(KEYS, 42);
    value = Fixtures.value(valueBytes, 7);
    if (engine.equals("chronicle")) {
      dir = Files.createTempDirectory("ringkv-jmh-storage");
      store = ChronicleStorageEngine.open(ChronicleStorageConfig.defaults(dir).withEntries(KEYS * 2L)
          .withAverageKeyBytes(24).withAverageValueBytes(valueBytes), StorageLimits.DEFAULTS);
    } else {
      store = InMemoryStorageEngine.withDefaults();
    }
    contexts = new VersionVector[KEYS];
    current = new VersionedObject[KEYS];
    for (int i = 0; i < KEYS; i++) {
      current[i] = store.write(keys[i], VersionVector.EMPTY, value, "n1", 1L).current();
      contexts[i] = current[i].context();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private int nextIndex() {
    int i = next;
    next = i + 1 == KEYS ? 0 : i + 1;
    return i;
  }

  @Benchmark
  public VersionedObject get() {
    return store.get(keys[nextIndex()]);
  }

  @Benchmark
  public VersionedObject write() {
    int i = nextIndex();
    VersionedObject stored = store.write(keys[i], contexts[i], value, "n1", 2L).current();
    contexts[i] = stored.context();
    current[i] = stored;
    return stored;
  }

  @Benchmark
  public VersionedObject merge() {
    int i = nextIndex();
    VersionedObject newer = current[i].write(current[i].context(), value, "n2", 3L);
    VersionedObject stored = store.merge(keys[i], newer);
    current[i] = stored;
    contexts[i] = stored.context();
    return stored;
  }
}
