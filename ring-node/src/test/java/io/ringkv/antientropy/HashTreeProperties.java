package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.ring.Ring;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The tree algebra: incremental updates equal a rebuild, whatever the order and interleaving. */
class HashTreeProperties {
  static Ring ring(int nodes, long seed) {
    Random r = new Random(seed);
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      List<Long> tokens = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        tokens.add(r.nextLong());
      }
      members.add(Member.of("n" + (i + 1), new Endpoint("10.0.0." + (i + 1), 7000), tokens, MemberStatus.UP, 1));
    }
    return Ring.of(members);
  }

  static byte[] key(int i) {
    return ("key-" + i).getBytes(StandardCharsets.UTF_8);
  }

  /** Applies {@code ops} random operations (write, delete, merge of another replica's object, remove). */
  static void randomOps(AntiEntropyStorage store, Random r, int ops, int keySpace) {
    InMemoryStorageEngine other = InMemoryStorageEngine.withDefaults();
    for (int i = 0; i < ops; i++) {
      byte[] k = key(r.nextInt(keySpace));
      switch (r.nextInt(5)) {
        case 0, 1 -> store.write(k, VersionVector.EMPTY, new byte[] {(byte) r.nextInt()}, "n1", 1000 + i);
        case 2 -> {
          VersionedObject cur = store.get(k);
          store.write(k, cur == null ? VersionVector.EMPTY : cur.context(), null, "n1", 1000 + i);
        }
        case 3 -> store.merge(k, other.write(k, VersionVector.EMPTY, new byte[] {1, 2}, "n2", i).current());
        default -> {
          VersionedObject cur = store.get(k);
          if (cur != null) {
            store.removeIfUnchanged(k, cur);
          }
        }
      }
    }
  }

  /** A layout rebuilt from scratch from {@code store}'s contents, with no concurrent writes. */
  static TreeLayout rebuilt(InMemoryStorageEngine raw, Ring ring, int n, String self, int levels) {
    TreeLayout l = TreeLayout.building(ring, n, self, levels, 16);
    AntiEntropyStorage s = new AntiEntropyStorage(raw, new PurgeLog(10, 1000), l);
    raw.forEach((k, o) -> s.scanned(k, l));
    l.finishBuilding();
    return l;
  }

  static void assertSameTrees(TreeLayout a, TreeLayout b) {
    assertEquals(a.groups(), b.groups());
    for (String g : a.groups()) {
      long[][] x = a.tree(g).copy();
      long[][] y = b.tree(g).copy();
      for (int l = 0; l < x.length; l++) {
        assertArrayEquals(x[l], y[l], "range " + g + " level " + l);
      }
      assertEquals(a.tree(g).keyCount(), b.tree(g).keyCount(), "keys of " + g);
    }
  }

  @Property(tries = 40)
  void incrementalUpdatesEqualARebuild(@ForAll long seed, @ForAll @IntRange(min = 1, max = 600) int ops) {
    Ring ring = ring(4, seed);
    InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults();
    TreeLayout live = TreeLayout.empty(ring, 3, "n1", 3);
    AntiEntropyStorage store = new AntiEntropyStorage(raw, new PurgeLog(10, 1000), live);
    randomOps(store, new Random(seed), ops, 200);
    assertSameTrees(rebuilt(raw, ring, 3, "n1", 3), live);
  }

  /**
   * A rebuild scan interleaved with writes (which a weakly consistent forEach may or may not see) ends
   * equal to a quiet rebuild: every key is accounted exactly once.
   */
  @Property(tries = 40)
  void rebuildInterleavedWithWritesIsExact(@ForAll long seed) {
    Random r = new Random(seed);
    Ring ring = ring(3, seed);
    InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults();
    AntiEntropyStorage store = new AntiEntropyStorage(raw, new PurgeLog(10, 1000), TreeLayout.empty(ring, 2, "n1", 2));
    randomOps(store, r, 300, 100);
    TreeLayout building = TreeLayout.building(ring, 2, "n1", 2, 16);
    store.setLayout(building);
    List<byte[]> snapshot = new ArrayList<>();
    raw.forEach((k, o) -> snapshot.add(k));
    for (byte[] k : snapshot) {
      randomOps(store, r, r.nextInt(4), 120); // writes, deletes and removals between two visits
      store.scanned(k, building);
    }
    randomOps(store, r, 20, 120);
    building.finishBuilding();
    randomOps(store, r, 50, 120);
    assertSameTrees(rebuilt(raw, ring, 2, "n1", 2), building);
  }

  @Test
  void aChangedObjectChangesItsLeafAndRootOnly() {
    HashTree t = new HashTree(3);
    long token = 42;
    long a = ObjectDigest.entry(7, 11);
    long b = ObjectDigest.entry(7, 12);
    t.replace(token, 0, a);
    long root = t.root();
    long[][] before = t.copy();
    t.replace(token, a, b);
    assertNotEquals(root, t.root());
    long[][] after = t.copy();
    int leaf = t.leafOf(token);
    for (int i = 0; i < after[3].length; i++) {
      if (i != leaf) {
        assertEquals(before[3][i], after[3][i]);
      }
    }
    t.replace(token, b, 0);
    assertEquals(0, t.root());
    assertEquals(0, t.keyCount());
  }

  @Test
  void memoryPerTreeIsAsDocumented() {
    assertEquals((1 + 16 + 256 + 4096) * 8, HashTree.memoryBytes(3));
  }
}
