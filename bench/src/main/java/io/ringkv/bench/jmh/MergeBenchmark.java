package io.ringkv.bench.jmh;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The DVV merge of two replicas' objects ({@link VersionedObject#merge}). Both replicas hold the same
 * {@code siblings} concurrent values, and each has since taken one more blind write of its own, so the
 * merge keeps every shared sibling, both new ones, and joins the contexts: siblings + 2 values out.
 * {@code mergeIdentical} is the fast path replication hits when a replica already holds the object.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.O1, BenchJvm.O2, BenchJvm.O3, BenchJvm.O4, BenchJvm.O5, BenchJvm.O6,
    BenchJvm.E1, BenchJvm.E2, BenchJvm.E3, BenchJvm.E4, BenchJvm.E5, BenchJvm.NO_ANALYTICS, BenchJvm.HEAP})
public class MergeBenchmark {
  @Param({"1", "3", "10"})
  public int siblings;

  private VersionedObject left;
  private VersionedObject right;
  private VersionedObject leftCopy;

  @Setup
  public void setUp() {
    byte[] value = Fixtures.value(1024, 7);
    VersionedObject shared = Fixtures.withSiblings(siblings, "writer-", value);
    left = shared.write(VersionVector.EMPTY, value, "replica-a", 1_800_000_000_000L);
    right = shared.write(VersionVector.EMPTY, value, "replica-b", 1_800_000_000_001L);
    leftCopy = VersionedObject.of(left.context(), left.siblings());
  }

  @Benchmark
  public VersionedObject mergeConcurrent() {
    return left.merge(right);
  }

  @Benchmark
  public VersionedObject mergeIdentical() {
    return left.merge(leftCopy);
  }
}
