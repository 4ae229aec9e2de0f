package io.ringkv.bench.jmh;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.ring.PreferenceList;
import io.ringkv.ring.Ring;
import io.ringkv.ring.TokenAllocator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * {@link Ring#preferenceList} for N=3 on rings of {@code nodes} nodes with {@code vnodes} random tokens
 * each ({@link TokenAllocator}): hashing the key, the binary search and the walk to 3 distinct nodes.
 * {@code oneDown} marks one node down, so a third of the lookups walk on for a fallback.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.O1, BenchJvm.O2, BenchJvm.O3, BenchJvm.O4, BenchJvm.O5, BenchJvm.O6,
    BenchJvm.E1, BenchJvm.E2, BenchJvm.E3, BenchJvm.E4, BenchJvm.E5, BenchJvm.NO_ANALYTICS, BenchJvm.HEAP})
public class RingBenchmark {
  static final int KEYS = 4096;

  @Param({"3", "10", "100"})
  public int nodes;

  @Param({"256", "1024"})
  public int vnodes;

  private Ring ring;
  private byte[][] keys;
  private int next;
  private final Predicate<String> allAlive = id -> true;
  private Predicate<String> oneDown;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(2026);
    Set<Long> taken = new HashSet<>();
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      List<Long> tokens = TokenAllocator.allocate(vnodes, taken, random);
      taken.addAll(tokens);
      members.add(Member.of(String.format("n%03d", i), new Endpoint("127.0.0.1", 7001 + i), tokens,
          MemberStatus.UP, 1));
    }
    ring = Ring.of(members);
    keys = Fixtures.keys(KEYS, 3);
    String down = ring.nodeIds().get(0);
    oneDown = id -> !id.equals(down);
  }

  private byte[] nextKey() {
    int i = next;
    next = (i + 1) & (KEYS - 1);
    return keys[i];
  }

  @Benchmark
  public PreferenceList preferenceList() {
    return ring.preferenceList(nextKey(), 3, allAlive);
  }

  @Benchmark
  public PreferenceList preferenceListOneDown() {
    return ring.preferenceList(nextKey(), 3, oneDown);
  }
}
