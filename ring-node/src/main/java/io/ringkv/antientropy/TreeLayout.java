package io.ringkv.antientropy;

import io.ringkv.ring.Ring;
import io.ringkv.ring.TokenRange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This node's hash trees for one ring: one {@link HashTree} per <em>replicated range</em>, i.e. per
 * replica set this node belongs to, covering every arc of the ring whose N replicas are exactly that
 * set (riak_core does the same with its per-preflist trees). With vnodes a node replicates N x vnodes
 * arcs, but far fewer distinct replica sets (at most C(nodes - 1, N - 1), 6 on 5 nodes with N=3):
 * grouping the arcs keeps the trees few and large, so an exchange covers many arcs at once and the
 * number of trees (and so of storage scans to list differing leaves) stays small. Worst case, on a
 * large cluster every arc has its own replica set: N x vnodes = 768 trees, 27 MB at 3 levels.
 *
 * <p>A layout is immutable apart from its trees' contents and the rebuild bookkeeping: a ring change
 * makes a new layout, rebuilt from storage by a background scan while writes keep updating it.
 *
 * <p>Rebuild without a snapshot. {@code StorageEngine.forEach} is weakly consistent, so a write during
 * the scan could be counted twice or not at all. While {@link #building()}, each key is accounted for
 * exactly once, by whichever comes first under the key's lock: the scan (adds the key's current entry)
 * or a write (adds its new entry); later writes apply XOR deltas as usual. {@link #accounted} remembers
 * the 64-bit key hashes seen (16 bytes per key, freed at the end).
 */
final class TreeLayout {
  private final Ring ring;
  private final int n;
  private final String localId;
  private final long fingerprint;
  private final Map<String, HashTree> trees;
  private final Map<String, List<String>> replicas;
  private volatile LongHashSet accounted;

  private TreeLayout(Ring ring, int n, String localId, int levels, boolean building, int expectedKeys) {
    this.ring = ring;
    this.n = n;
    this.localId = localId;
    this.fingerprint = fingerprint(ring, n);
    Map<String, HashTree> t = new TreeMap<>();
    Map<String, List<String>> r = new TreeMap<>();
    if (!ring.isEmpty()) {
      for (TokenRange range : ring.rangesOf(localId, n)) {
        String group = groupOf(range.replicas());
        if (!t.containsKey(group)) {
          t.put(group, new HashTree(levels));
          List<String> sorted = new ArrayList<>(range.replicas());
          Collections.sort(sorted);
          r.put(group, List.copyOf(sorted));
        }
      }
    }
    this.trees = Collections.unmodifiableMap(t);
    this.replicas = Collections.unmodifiableMap(r);
    this.accounted = building ? new LongHashSet(Math.max(16, expectedKeys)) : null;
  }

  /** A layout whose trees must be filled by a rebuild scan; writes meanwhile are accounted. */
  static TreeLayout building(Ring ring, int n, String localId, int levels, int expectedKeys) {
    return new TreeLayout(ring, n, localId, levels, true, expectedKeys);
  }

  /** A layout over an empty store: nothing to rebuild. */
  static TreeLayout empty(Ring ring, int n, String localId, int levels) {
    return new TreeLayout(ring, n, localId, levels, false, 0);
  }

  /** The name of a replica set: its ids sorted and joined by commas. */
  static String groupOf(List<String> replicaIds) {
    List<String> sorted = new ArrayList<>(replicaIds);
    Collections.sort(sorted);
    return String.join(",", sorted);
  }

  /** A 64-bit fingerprint of the ring's arcs and replica sets; two nodes exchange only when theirs agree. */
  static long fingerprint(Ring ring, int n) {
    long h = 17;
    if (ring.isEmpty()) {
      return h;
    }
    for (TokenRange r : ring.ranges(n)) {
      h = ObjectDigest.mix(h * 31 + r.end());
      h = ObjectDigest.mix(h ^ r.replicas().hashCode());
    }
    return h;
  }

  Ring ring() {
    return ring;
  }

  int n() {
    return n;
  }

  long fingerprint() {
    return fingerprint;
  }

  /** Replicated ranges (groups) in name order. */
  List<String> groups() {
    return List.copyOf(trees.keySet());
  }

  HashTree tree(String group) {
    return trees.get(group);
  }

  /** The sorted replica ids of a group. */
  List<String> replicasOf(String group) {
    return replicas.get(group);
  }

  /** The group a key's token belongs to, or null when this node does not replicate it. */
  String groupOfToken(long token) {
    if (ring.isEmpty()) {
      return null;
    }
    List<String> owners = ring.owners(token, n);
    if (!owners.contains(localId)) {
      return null;
    }
    return groupOf(owners);
  }

  /** The tree a key's token belongs to, or null. */
  HashTree treeOfToken(long token) {
    String g = groupOfToken(token);
    return g == null ? null : trees.get(g);
  }

  boolean building() {
    return accounted != null;
  }

  /**
   * Called under the key's lock when its entry changes from {@code before} to {@code after}
   * ({@link ObjectDigest#entry} values, 0 for absent).
   */
  void onChange(long keyHash, long token, long before, long after) {
    HashTree tree = treeOfToken(token);
    if (tree == null) {
      return;
    }
    LongHashSet acc = accounted;
    if (acc != null) {
      boolean first;
      synchronized (acc) {
        first = acc.add(keyHash);
      }
      if (first) {
        tree.replace(token, 0, after); // the scan has not counted this key: count what it is now
        return;
      }
    }
    tree.replace(token, before, after);
  }

  /** Called by the rebuild scan under the key's lock with the key's current entry. */
  void onScanned(long keyHash, long token, long current) {
    LongHashSet acc = accounted;
    if (acc == null) {
      return;
    }
    HashTree tree = treeOfToken(token);
    if (tree == null) {
      return;
    }
    boolean first;
    synchronized (acc) {
      first = acc.add(keyHash);
    }
    if (first) {
      tree.replace(token, 0, current);
    }
  }

  /** Ends the rebuild: every key that existed through the scan or was written during it is accounted. */
  void finishBuilding() {
    accounted = null;
  }

  long keyCount() {
    long k = 0;
    for (HashTree t : trees.values()) {
      k += t.keyCount();
    }
    return k;
  }
}
