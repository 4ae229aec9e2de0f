package io.ringkv.antientropy;

/**
 * The hash tree of one replicated range on one node (Dynamo section 4.7; Riak's {@code hashtree}).
 *
 * <p>Shape: a fixed fan-out of {@value #FANOUT} and {@code levels} levels below the root, so
 * {@code 16^levels} leaf buckets (default 3 levels: 4,096 leaves). A key falls in the leaf given by the
 * top bits of a mix of its ring token, so the keys of a range spread evenly over the leaves whichever
 * arcs of the ring the range is made of. A leaf's hash is the XOR of {@link ObjectDigest#entry} over its
 * keys, and an inner node's hash is the XOR of its children: XOR is its own inverse, so replacing one
 * key's object is {@code update(leaf, entry(old) ^ entry(new))}, O(levels), and never a rebuild. An empty
 * leaf hashes to 0.
 *
 * <p>Why 16 x 3: at ~1M keys per node spread over a handful of replica sets (6 on a 5-node cluster
 * with N=3) a tree holds ~170k keys, ~40 per leaf; one differing key then costs a top-down walk of
 * 3 x 16 hashes (~400 bytes) plus a leaf listing of ~40 keys and digests (~1.5 KB); an in-sync tree
 * costs one root hash. Memory is {@code (1 + 16 + 256 + 4096) x 8} bytes = 34.9 KB per tree.
 *
 * <p>Thread-safe: updates come from storage threads, reads from exchanges; both synchronize on the
 * tree (a handful of array stores).
 */
final class HashTree {
  static final int FANOUT = 16;
  static final int FANOUT_BITS = 4;

  private final int levels;
  private final long[][] hashes; // hashes[0] is the root, hashes[levels] the leaves
  private long keys;

  HashTree(int levels) {
    if (levels < 1 || levels > 6) {
      throw new IllegalArgumentException("levels must be 1..6, got " + levels);
    }
    this.levels = levels;
    this.hashes = new long[levels + 1][];
    for (int l = 0; l <= levels; l++) {
      hashes[l] = new long[1 << (FANOUT_BITS * l)];
    }
  }

  int levels() {
    return levels;
  }

  int leafCount() {
    return hashes[levels].length;
  }

  /** The leaf bucket of a key with this ring token. */
  int leafOf(long token) {
    return (int) (ObjectDigest.mix(token) >>> (64 - FANOUT_BITS * levels));
  }

  /** XORs {@code delta} into {@code leaf} and its ancestors; {@code keysDelta} is +1, 0 or -1. */
  synchronized void update(int leaf, long delta, int keysDelta) {
    keys += keysDelta;
    if (delta == 0) {
      return;
    }
    for (int l = levels; l >= 0; l--) {
      hashes[l][leaf >>> (FANOUT_BITS * (levels - l))] ^= delta;
    }
  }

  /** Replaces one key's entry: {@code before}/{@code after} are {@link ObjectDigest#entry} values, 0 for absent. */
  void replace(long token, long before, long after) {
    int keysDelta = (before == 0 ? 0 : -1) + (after == 0 ? 0 : 1);
    update(leafOf(token), before ^ after, keysDelta);
  }

  synchronized long root() {
    return hashes[0][0];
  }

  synchronized long hash(int level, int index) {
    return hashes[level][index];
  }

  /** The hashes of the children of {@code parents} (at {@code level - 1}), in order: 16 per parent. */
  synchronized long[] children(int level, int[] parents) {
    long[] out = new long[parents.length * FANOUT];
    for (int i = 0; i < parents.length; i++) {
      System.arraycopy(hashes[level], parents[i] * FANOUT, out, i * FANOUT, FANOUT);
    }
    return out;
  }

  synchronized long keyCount() {
    return keys;
  }

  /** A copy of every level, for tests comparing an incrementally updated tree with a rebuilt one. */
  synchronized long[][] copy() {
    long[][] c = new long[hashes.length][];
    for (int l = 0; l < hashes.length; l++) {
      c[l] = hashes[l].clone();
    }
    return c;
  }

  /** Bytes of hash state held by a tree of {@code levels} levels. */
  static long memoryBytes(int levels) {
    long nodes = 0;
    for (int l = 0; l <= levels; l++) {
      nodes += 1L << (FANOUT_BITS * l);
    }
    return nodes * Long.BYTES;
  }
}
