package io.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyHashTest {
  @Test
  void agreesWithAnIndependentMurmur3Implementation() {
    // Chronicle's own Murmur3 (chronicle-algorithms, on the classpath through chronicle-map)
    net.openhft.chronicle.algo.hashing.LongHashFunction chronicle =
        net.openhft.chronicle.algo.hashing.LongHashFunction.murmur_3();
    Random random = new Random(7);
    for (int len = 0; len < 200; len++) {
      byte[] key = new byte[len];
      random.nextBytes(key);
      assertEquals(chronicle.hashBytes(key), KeyHash.token(key), "length " + len);
    }
  }

  @Test
  void tokensArePinned() {
    // part of the on-disk contract: if these change, every key moves
    assertEquals(PINNED_EMPTY, KeyHash.token(new byte[0]));
    assertEquals(PINNED_RINGKV, KeyHash.token("ringkv".getBytes(StandardCharsets.UTF_8)));
  }

  static final long PINNED_EMPTY = 0L;
  static final long PINNED_RINGKV = -9050325410803660757L;
}
