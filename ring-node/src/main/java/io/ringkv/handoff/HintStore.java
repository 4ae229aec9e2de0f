package io.ringkv.handoff;

import java.util.List;
import java.util.Set;

/**
 * The hints a node keeps while it stands in for a down owner (Dynamo section 4.6): which keys it holds
 * on behalf of which owner. The objects themselves are in the node's object store; a hint only says
 * "deliver key K to owner O". Persistent in production (hints survive a restart of the stand-in),
 * and bounded: when full, {@link #add} refuses and the caller counts a dropped hint, which
 * anti-entropy repairs later.
 */
public interface HintStore extends AutoCloseable {
  /** Records a hint; false when the store is at its bound and the hint was dropped. */
  boolean add(String owner, byte[] key, long nowMs);

  void remove(String owner, byte[] key);

  /** Whether a hint for {@code key} is pending for {@code owner}. */
  boolean contains(String owner, byte[] key);

  /** Up to {@code max} keys held for {@code owner}, oldest first where the store knows the order. */
  List<byte[]> keysFor(String owner, int max);

  /** Owners with at least one pending hint. */
  Set<String> owners();

  long size();

  long capacity();

  @Override
  void close();

  /** The store key of a hint: the owner id, a NUL, the data key (node ids never contain NUL). */
  static byte[] encode(String owner, byte[] key) {
    byte[] o = owner.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] out = new byte[o.length + 1 + key.length];
    System.arraycopy(o, 0, out, 0, o.length);
    System.arraycopy(key, 0, out, o.length + 1, key.length);
    return out;
  }

  /** The owner of an encoded hint key. */
  static String ownerOf(byte[] encoded) {
    for (int i = 0; i < encoded.length; i++) {
      if (encoded[i] == 0) {
        return new String(encoded, 0, i, java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    throw new IllegalArgumentException("not a hint key");
  }

  /** The data key of an encoded hint key. */
  static byte[] keyOf(byte[] encoded) {
    for (int i = 0; i < encoded.length; i++) {
      if (encoded[i] == 0) {
        return java.util.Arrays.copyOfRange(encoded, i + 1, encoded.length);
      }
    }
    throw new IllegalArgumentException("not a hint key");
  }
}
