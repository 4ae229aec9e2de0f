package io.ringkv.antientropy;

import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.codec.RecordCodec;
import net.openhft.hashing.LongHashFunction;

/**
 * The 64-bit fingerprints anti-entropy compares. {@link #of} hashes a stored object's canonical record
 * encoding (siblings sorted by dot, context sorted by node), so equal objects have equal digests on every
 * replica; {@link #entry} binds a key to its object's digest and is what {@link HashTree} leaves fold by
 * XOR. Collisions (2^-64 per comparison) would hide a difference until the object changes again.
 */
final class ObjectDigest {
  private static final LongHashFunction XX3 = LongHashFunction.xx3();

  private ObjectDigest() {}

  /** The digest of an object; never 0 for a present object, 0 for none. */
  static long of(VersionedObject object) {
    if (object == null) {
      return 0;
    }
    long h = XX3.hashBytes(RecordCodec.encode(object));
    return h == 0 ? 1 : h;
  }

  /** A key's hash, independent of its ring token. */
  static long keyHash(byte[] key) {
    return XX3.hashBytes(key);
  }

  /** The tree entry of (key, object digest); 0 when the object is absent (digest 0). */
  static long entry(long keyHash, long digest) {
    if (digest == 0) {
      return 0;
    }
    long h = mix(keyHash ^ Long.rotateLeft(digest, 29) * 0x9E3779B97F4A7C15L);
    return h == 0 ? 1 : h;
  }

  /** Murmur3's fmix64: a bijective avalanche of a long. */
  static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
