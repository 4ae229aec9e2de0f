package io.ringkv.ring;

import net.openhft.hashing.LongHashFunction;

/**
 * The position of a key on the ring: the 64-bit Murmur3 (x64_128, seed 0, low 64 bits; the same value
 * as Guava's {@code murmur3_128().hashBytes(key).asLong()}) of the key's bytes, as a signed long. The
 * ring is ordered by signed value and wraps from {@link Long#MAX_VALUE} to {@link Long#MIN_VALUE}.
 *
 * <p>This function is part of the on-disk and on-wire contract: changing it moves every key.
 */
public final class KeyHash {
  private static final LongHashFunction MURMUR3 = LongHashFunction.murmur_3();

  private KeyHash() {}

  public static long token(byte[] key) {
    return MURMUR3.hashBytes(key);
  }
}
