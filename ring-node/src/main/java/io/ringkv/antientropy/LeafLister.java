package io.ringkv.antientropy;

import io.ringkv.ring.KeyHash;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * Lists the keys and digests of some leaves of one range in one storage walk ({@link PacedScan}: it is
 * the walk's visitor), keeping memory bounded: the leaves are taken in the requested order and only the
 * longest prefix of whole leaves that fits in {@code bytesMax} (always at least one leaf) is kept; the
 * caller asks again for the rest. Visited on the work executor, read with {@link #listing} once done.
 */
final class LeafLister implements BiPredicate<byte[], VersionedObject> {
  record Listing(int completeLeaves, List<Packed.Entry> entries) {}

  private final TreeLayout layout;
  private final String range;
  private final HashTree tree;
  private final int bytesMax;
  private final int[] position;
  private final TreeMap<Integer, List<Packed.Entry>> byPosition = new TreeMap<>();
  private long bytes;
  private int cutoff;

  LeafLister(TreeLayout layout, String range, int[] leaves, int bytesMax) {
    this.layout = layout;
    this.range = range;
    this.tree = layout.tree(range);
    this.bytesMax = bytesMax;
    this.position = new int[tree.leafCount()];
    Arrays.fill(position, -1);
    for (int i = 0; i < leaves.length; i++) {
      position[leaves[i]] = i;
    }
    this.cutoff = leaves.length;
  }

  /**
   * True when {@code key} falls in a leaf still listed (the walk decodes only these keys' objects). The
   * cutoff only moves down, so a key refused here is refused by {@link #test} too.
   */
  boolean wantsObject(byte[] key) {
    return listedPosition(key) >= 0;
  }

  /** The position of {@code key}'s leaf among the leaves still listed, or -1. */
  private int listedPosition(byte[] key) {
    long token = KeyHash.token(key);
    int pos = position[tree.leafOf(token)];
    return pos >= 0 && pos < cutoff && range.equals(layout.groupOfToken(token)) ? pos : -1;
  }

  @Override
  public boolean test(byte[] key, VersionedObject object) {
    int pos = object == null ? -1 : listedPosition(key);
    if (pos < 0) {
      return true;
    }
    byPosition.computeIfAbsent(pos, p -> new ArrayList<>()).add(new Packed.Entry(key, ObjectDigest.of(object)));
    bytes += Packed.entrySize(key);
    while (bytes > bytesMax && byPosition.size() > 1) {
      var last = byPosition.pollLastEntry();
      cutoff = last.getKey();
      for (Packed.Entry e : last.getValue()) {
        bytes -= Packed.entrySize(e.key());
      }
    }
    return true;
  }

  /** What the walk found (after it is done). */
  Listing listing() {
    List<Packed.Entry> out = new ArrayList<>();
    for (List<Packed.Entry> l : byPosition.values()) {
      out.addAll(l);
    }
    return new Listing(cutoff, out);
  }
}
