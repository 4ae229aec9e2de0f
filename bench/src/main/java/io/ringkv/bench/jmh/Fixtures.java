package io.ringkv.bench.jmh;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic inputs shared by the benchmarks: keys shaped like YCSB's, values of a given size. */
final class Fixtures {
  private Fixtures() {}

  /** {@code count} keys "user" + a scrambled number, as YCSB's CoreWorkload makes them (~23 bytes). */
  static byte[][] keys(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] keys = new byte[count][];
    for (int i = 0; i < count; i++) {
      keys[i] = ("user" + Math.abs(random.nextLong() % 10_000_000_000_000_000L)).getBytes(StandardCharsets.UTF_8);
    }
    return keys;
  }

  static byte[] value(int bytes, long seed) {
    byte[] v = new byte[bytes];
    new SplittableRandom(seed).nextBytes(v);
    return v;
  }

  /**
   * An object with {@code siblings} concurrent values, as left by that many blind writes coordinated
   * by different nodes ({@code prefix}0, {@code prefix}1, ...).
   */
  static VersionedObject withSiblings(int siblings, String prefix, byte[] value) {
    VersionedObject o = VersionedObject.EMPTY;
    for (int i = 0; i < siblings; i++) {
      o = o.write(VersionVector.EMPTY, value, prefix + i, 1_700_000_000_000L + i);
    }
    return o;
  }
}
