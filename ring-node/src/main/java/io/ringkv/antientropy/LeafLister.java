package io.ringkv.antientropy;

import io.ringkv.ring.KeyHash;
import io.ringkv.storage.StorageEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Lists the keys and digests of some leaves of one range with one storage scan, keeping memory bounded:
 * the leaves are taken in the requested order and only the longest prefix of whole leaves that fits in
 * {@code bytesMax} (always at least one leaf) is kept; the caller asks again for the rest.
 */
final class LeafLister {
  record Listing(int completeLeaves, List<Packed.Entry> entries, long keysVisited) {}

  private LeafLister() {}

  static Listing list(StorageEngine store, TreeLayout layout, String range, int[] leaves, int bytesMax,
      LongConsumer pacer) {
    HashTree tree = layout.tree(range);
    int[] position = new int[tree.leafCount()];
    Arrays.fill(position, -1);
    for (int i = 0; i < leaves.length; i++) {
      position[leaves[i]] = i;
    }
    TreeMap<Integer, List<Packed.Entry>> byPosition = new TreeMap<>();
    long[] bytes = {0};
    int[] cutoff = {leaves.length};
    long[] visited = {0};
    store.forEach((key, object) -> {
      pacer.accept(++visited[0]);
      long token = KeyHash.token(key);
      int pos = position[tree.leafOf(token)];
      if (pos < 0 || pos >= cutoff[0] || !range.equals(layout.groupOfToken(token))) {
        return;
      }
      byPosition.computeIfAbsent(pos, p -> new ArrayList<>())
          .add(new Packed.Entry(key, ObjectDigest.of(object)));
      bytes[0] += Packed.entrySize(key);
      while (bytes[0] > bytesMax && byPosition.size() > 1) {
        var last = byPosition.pollLastEntry();
        cutoff[0] = last.getKey();
        for (Packed.Entry e : last.getValue()) {
          bytes[0] -= Packed.entrySize(e.key());
        }
      }
    });
    List<Packed.Entry> out = new ArrayList<>();
    for (List<Packed.Entry> l : byPosition.values()) {
      out.addAll(l);
    }
    return new Listing(cutoff[0], out, visited[0]);
  }
}
