package io.ringkv.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link StorageEngine} must have. One subclass per engine supplies
 * {@link #newEngine}; the tests are the same for all.
 */
public abstract class StorageEngineContract {

  private final List<StorageEngine> opened = new ArrayList<>();

  /** A fresh, empty engine with the given limits. */
  protected abstract StorageEngine createEngine(StorageLimits limits) throws Exception;

  protected final StorageEngine newEngine(StorageLimits limits) throws Exception {
    StorageEngine e = createEngine(limits);
    opened.add(e);
    return e;
  }

  protected final StorageEngine newEngine() throws Exception {
    return newEngine(StorageLimits.DEFAULTS);
  }

  @AfterEach
  void closeEngines() {
    opened.forEach(StorageEngine::close);
  }

  protected static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static Set<String> values(VersionedObject o) {
    Set<String> out = new HashSet<>();
    for (Sibling s : o.liveSiblings()) {
      out.add(new String(s.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void absentKeyReadsAsNull() throws Exception {
    assertNull(newEngine().get(b("nope")));
  }

  @Test
  void blindWriteCreatesAndMintsTheFirstDot() throws Exception {
    StorageEngine e = newEngine();
    WriteResult r = e.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 10);
    assertNull(r.previous());
    assertTrue(r.created());
    assertEquals(new Dot("a", 1), r.dot());
    assertEquals(r.current(), e.get(b("k")));
    assertEquals(Set.of("v1"), values(e.get(b("k"))));
    assertEquals(10, e.get(b("k")).siblings().get(0).writtenAtMs());
  }

  @Test
  void writeWithReadContextReplacesWhatWasRead() throws Exception {
    StorageEngine e = newEngine();
    e.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 1);
    VersionedObject read = e.get(b("k"));
    WriteResult r = e.write(b("k"), read.context(), b("v2"), "a", 2);
    assertEquals(read, r.previous());
    assertFalse(r.created());
    assertEquals(new Dot("a", 2), r.dot());
    assertEquals(Set.of("v2"), values(e.get(b("k"))));
    assertEquals(1, e.get(b("k")).siblings().size());
  }

  @Test
  void concurrentBlindWritesBecomeSiblings() throws Exception {
    StorageEngine e = newEngine();
    e.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 1);
    e.write(b("k"), VersionVector.EMPTY, b("v2"), "b", 2);
    e.write(b("k"), null, b("v3"), "a", 3);
    assertEquals(Set.of("v1", "v2", "v3"), values(e.get(b("k"))));
  }

  @Test
  void deleteWithContextLeavesOnlyATombstone() throws Exception {
    StorageEngine e = newEngine();
    e.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 1);
    e.write(b("k"), VersionVector.EMPTY, b("v2"), "b", 2);
    WriteResult del = e.write(b("k"), e.get(b("k")).context(), null, "b", 3);
    VersionedObject stored = e.get(b("k"));
    assertTrue(stored.isTombstoned());
    assertEquals(List.of(Sibling.tombstone(del.dot(), 3)), stored.siblings());
    assertTrue(e.write(b("k"), stored.context(), b("again"), "a", 4).created());
  }

  @Test
  void mergeStoresRemoteWhenAbsentAndKeepsConcurrentSiblings() throws Exception {
    StorageEngine e = newEngine();
    VersionedObject remote = VersionedObject.EMPTY.write(VersionVector.EMPTY, b("r"), "r", 5);
    assertEquals(remote, e.merge(b("k"), remote));
    assertEquals(remote, e.get(b("k")));

    e.write(b("k2"), VersionVector.EMPTY, b("local"), "a", 1);
    VersionedObject merged = e.merge(b("k2"), remote);
    assertEquals(Set.of("local", "r"), values(merged));
    assertEquals(merged, e.get(b("k2")));
    assertEquals(merged, e.merge(b("k2"), remote), "merging the same object again changes nothing");
  }

  @Test
  void mergeOfANewerObjectDropsWhatItOverwrote() throws Exception {
    StorageEngine e = newEngine();
    e.write(b("k"), VersionVector.EMPTY, b("old"), "a", 1);
    VersionedObject old = e.get(b("k"));
    VersionedObject newer = old.write(old.context(), b("new"), "b", 2);
    assertEquals(Set.of("new"), values(e.merge(b("k"), newer)));
  }

  @Test
  void removeIfUnchangedRemovesOnlyTheExpectedObject() throws Exception {
    StorageEngine e = newEngine();
    e.write(b("k"), VersionVector.EMPTY, null, "a", 1);
    VersionedObject tomb = e.get(b("k"));
    e.write(b("k"), VersionVector.EMPTY, b("resurrected"), "b", 2);
    assertFalse(e.removeIfUnchanged(b("k"), tomb));
    assertEquals(Set.of("resurrected"), values(e.get(b("k"))));
    assertTrue(e.removeIfUnchanged(b("k"), e.get(b("k"))));
    assertNull(e.get(b("k")));
    assertFalse(e.removeIfUnchanged(b("k"), tomb));
    assertEquals(0, e.stats().keys());
  }

  @Test
  void forEachVisitsEveryKeyOnceWithItsObject() throws Exception {
    StorageEngine e = newEngine();
    Map<String, VersionedObject> expected = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      expected.put("key-" + i, e.write(b("key-" + i), VersionVector.EMPTY, b("v" + i), "a", i).current());
    }
    Map<String, VersionedObject> seen = new HashMap<>();
    e.forEach((k, o) -> assertNull(seen.put(new String(k, StandardCharsets.UTF_8), o), "visited twice"));
    assertEquals(expected, seen);
    assertEquals(50, e.stats().keys());
  }

  @Test
  void cursorVisitsEveryKeyOnceInChunksFromAnotherThread() throws Exception {
    StorageEngine e = newEngine();
    Map<String, VersionedObject> expected = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      expected.put("key-" + i, e.write(b("key-" + i), VersionVector.EMPTY, b("v" + i), "a", i).current());
    }
    StorageEngine.Cursor cursor = e.cursor();
    Map<String, VersionedObject> seen = new HashMap<>();
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      int chunks = 0;
      int n;
      do {
        // alternate threads between chunks, as a paced scan's executor may
        n = chunks % 2 == 0
            ? cursor.advance(64, (k, o) -> seen.put(new String(k, StandardCharsets.UTF_8), o) == null)
            : other.submit(() -> cursor.advance(64,
                (k, o) -> seen.put(new String(k, StandardCharsets.UTF_8), o) == null)).get();
        assertTrue(n <= 64);
        chunks++;
      } while (n == 64);
      assertEquals(expected, seen);
      assertTrue(chunks >= 1_000 / 64, "advanced in chunks: " + chunks);
      assertEquals(0, cursor.advance(64, (k, o) -> true), "an ended walk stays ended");
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void cursorReadsTheObjectsOfOnlyTheKeysAsked() throws Exception {
    StorageEngine e = newEngine();
    Map<String, VersionedObject> expected = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      VersionedObject o = e.write(b("key-" + i), VersionVector.EMPTY, b("v" + i), "a", i).current();
      if (i % 10 == 0) {
        expected.put("key-" + i, o);
      }
    }
    StorageEngine.Cursor cursor = e.cursor();
    Map<String, VersionedObject> objects = new HashMap<>();
    Set<String> keys = new HashSet<>();
    int total = 0;
    int n;
    do {
      n = cursor.advance(64, k -> Integer.parseInt(new String(k, StandardCharsets.UTF_8).substring(4)) % 10 == 0,
          (k, o) -> {
            String key = new String(k, StandardCharsets.UTF_8);
            keys.add(key);
            if (o != null) {
              objects.put(key, o);
            }
            return true;
          });
      total += n;
    } while (n == 64);
    assertEquals(300, total, "every key is visited, asked or not");
    assertEquals(300, keys.size());
    assertEquals(expected, objects, "the asked keys come with their objects, the others with null");
  }

  @Test
  void cursorStopsAfterAVisitReturnsFalseAndGoesOnFromThere() throws Exception {
    StorageEngine e = newEngine();
    for (int i = 0; i < 100; i++) {
      e.write(b("key-" + i), VersionVector.EMPTY, b("v"), "a", i);
    }
    StorageEngine.Cursor cursor = e.cursor();
    Set<String> seen = new HashSet<>();
    int[] calls = {0};
    assertEquals(3, cursor.advance(50, (k, o) -> {
      seen.add(new String(k, StandardCharsets.UTF_8));
      return ++calls[0] < 3;
    }));
    int rest = cursor.advance(1_000, (k, o) -> seen.add(new String(k, StandardCharsets.UTF_8)));
    assertEquals(97, rest);
    assertEquals(100, seen.size());
  }

  @Test
  void forEachActionMayWriteBackIntoTheEngine() throws Exception {
    StorageEngine e = newEngine();
    for (int i = 0; i < 20; i++) {
      e.write(b("key-" + i), VersionVector.EMPTY, i % 2 == 0 ? null : b("v"), "a", i);
    }
    e.forEach((k, o) -> {
      if (o.isTombstoned()) {
        assertTrue(e.removeIfUnchanged(k, o));
      }
    });
    assertEquals(10, e.stats().keys());
  }

  @Test
  void keyAndValueArraysAreCopied() throws Exception {
    StorageEngine e = newEngine();
    byte[] key = b("k");
    byte[] value = b("value");
    e.write(key, VersionVector.EMPTY, value, "a", 1);
    key[0] = 'x';
    e.forEach((k, o) -> k[0] = 'y');
    assertNotNull(e.get(b("k")));
    assertNull(e.get(b("x")));
    assertArrayEquals(b("value"), e.get(b("k")).siblings().get(0).value());
  }

  @Test
  void oversizeKeyAndValueAreRefusedAndNothingIsStored() throws Exception {
    StorageEngine e = newEngine(new StorageLimits(8, 100, 2, 3));
    LimitExceededException ex = assertThrows(LimitExceededException.class,
        () -> e.write(new byte[9], VersionVector.EMPTY, b("v"), "a", 1));
    assertEquals("key is 9 bytes, over the limit keyBytesMax=8", ex.getMessage());
    ex = assertThrows(LimitExceededException.class, () -> e.write(b("k"), VersionVector.EMPTY, new byte[101], "a", 1));
    assertEquals("value is 101 bytes, over the limit valueBytesMax=100", ex.getMessage());
    assertNull(e.get(b("k")));
    assertEquals(0, e.stats().keys());
  }

  @Test
  void aWriteAboveSiblingsMaxIsRefusedAndTheObjectIsUnchanged() throws Exception {
    StorageEngine e = newEngine(new StorageLimits(64, 100, 2, 3));
    for (int i = 1; i <= 3; i++) {
      e.write(b("k"), VersionVector.EMPTY, b("v" + i), "n" + i, i);
    }
    VersionedObject before = e.get(b("k"));
    LimitExceededException ex = assertThrows(LimitExceededException.class,
        () -> e.write(b("k"), VersionVector.EMPTY, b("v4"), "n4", 4));
    assertTrue(ex.getMessage().contains("siblingsMax=3"), ex.getMessage());
    assertEquals(before, e.get(b("k")));
    // a write that reads first resolves the siblings and is accepted
    assertEquals(1, e.write(b("k"), before.context(), b("resolved"), "n1", 5).current().siblings().size());
  }

  @Test
  void concurrentBlindWritesToOneKeyKeepEveryDot() throws Exception {
    int threads = 4;
    int writesPerThread = 150;
    StorageEngine e = newEngine(new StorageLimits(64, 100, 1000, 1000));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<List<Dot>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String node = "t" + t;
        futures.add(pool.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          List<Dot> dots = new ArrayList<>();
          for (int i = 0; i < writesPerThread; i++) {
            dots.add(e.write(b("hot"), VersionVector.EMPTY, b(node + "/" + i), node, i).dot());
          }
          return dots;
        }));
      }
      Set<Dot> minted = new HashSet<>();
      for (Future<List<Dot>> f : futures) {
        minted.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertEquals(threads * writesPerThread, minted.size(), "every write minted a distinct dot");
      Set<Dot> stored = new HashSet<>();
      for (Sibling s : e.get(b("hot")).siblings()) {
        stored.add(s.dot());
      }
      assertEquals(minted, stored);
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "writer threads did not stop");
    }
  }

  @Test
  void closedEngineRefusesCalls() throws Exception {
    StorageEngine e = newEngine();
    e.close();
    assertThrows(StorageException.class, () -> e.get(b("k")));
    assertThrows(StorageException.class, () -> e.write(b("k"), VersionVector.EMPTY, b("v"), "a", 1));
  }

  @Test
  void aKeyRecreatedAfterItsTombstoneWasPurgedNeverReusesADot() throws Exception {
    StorageEngine a = newEngine();
    // replica "a" writes twice, then deletes with the latest context
    a.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 1);
    VersionedObject second = a.write(b("k"), a.get(b("k")).context(), b("v2"), "a", 2).current();
    VersionedObject tombstone = a.write(b("k"), second.context(), null, "a", 3).current();
    // another replica still holds the tombstone when "a" purges it (tombstone GC)
    VersionedObject elsewhere = tombstone;
    assertTrue(a.removeIfUnchanged(b("k"), tombstone));
    // a new, blind write of the key on "a": its dot must be one the tombstone's context has not seen
    WriteResult recreated = a.write(b("k"), VersionVector.EMPTY, b("new"), "a", 4);
    assertFalse(tombstone.context().covers(recreated.dot()),
        "dot " + recreated.dot() + " was already seen by " + tombstone.context());
    VersionedObject merged = a.merge(b("k"), elsewhere);
    assertEquals(Set.of("new"), values(merged),
        "the replica holding the old tombstone made the recreated key disappear");
  }

  @Test
  void aRetriedWriteWithTheSameWriteIdIsAppliedOnce() throws Exception {
    StorageEngine e = newEngine();
    WriteResult first = e.write(b("k"), VersionVector.EMPTY, b("v"), "a", 1, 4242);
    WriteResult retry = e.write(b("k"), VersionVector.EMPTY, b("v"), "a", 2, 4242);
    assertEquals(first.current(), retry.current(), "the retry changed the object");
    assertEquals(first.dot(), retry.dot());
    assertEquals(1, e.get(b("k")).siblings().size());
    e.write(b("k"), VersionVector.EMPTY, b("w"), "a", 3, 4343);
    assertEquals(2, e.get(b("k")).siblings().size(), "another write id is another write");
  }

  @Test
  void aWriteRetriedThroughASecondMinterIsShownOnceAndReplacedAsOne() throws Exception {
    StorageEngine a = newEngine();
    StorageEngine b = newEngine();
    // the first attempt was minted by "a", which died before replicating it; the retry was minted by "b"
    a.write(b("k"), VersionVector.EMPTY, b("v"), "a", 1, 77);
    b.write(b("k"), VersionVector.EMPTY, b("v"), "b", 2, 77);
    VersionedObject merged = a.merge(b("k"), b.get(b("k")));
    assertEquals(merged, b.merge(b("k"), a.get(b("k"))), "both replicas converge on the same object");
    assertEquals(1, merged.liveValuesOncePerWrite().size(), "a reader sees the write once");
    VersionedObject replaced = a.write(b("k"), merged.context(), b("next"), "a", 3, 78).current();
    assertEquals(Set.of("next"), values(replaced));
  }

  @Test
  void aRetryOfAWriteADeleteReplacedChangesNothingAndMintsNothing() throws Exception {
    StorageEngine e = newEngine();
    WriteResult first = e.write(b("k"), VersionVector.EMPTY, b("v"), "a", 1, 77);
    WriteResult deleted = e.write(b("k"), first.current().context(), null, "a", 2, 78);
    WriteResult late = e.write(b("k"), VersionVector.EMPTY, b("v"), "a", 3, 77);
    assertEquals(deleted.current(), late.current(), "the late retry changed the object");
    assertTrue(late.current().isDeleted());
    assertNull(late.dot(), "nothing was minted");
    assertFalse(late.created(), "a retry that changed nothing created nothing");
    assertEquals(deleted.current(), e.get(b("k")));
    WriteResult next = e.write(b("k"), VersionVector.EMPTY, b("w"), "a", 4, 79);
    assertTrue(next.dot().counter() > deleted.dot().counter(), "the dot counter went on: " + next.dot());
  }

  @Test
  void aMergeStoresTheObjectWithoutTheOtherCopyOfAReplacedWrite() throws Exception {
    StorageEngine a = newEngine();
    StorageEngine b = newEngine();
    // "a" minted the write and died before replicating it; the retry was minted by "b" and deleted there
    a.write(b("k"), VersionVector.EMPTY, b("v"), "a", 1, 77);
    VersionedObject retry = b.write(b("k"), VersionVector.EMPTY, b("v"), "b", 2, 77).current();
    VersionedObject deleted = b.write(b("k"), retry.context(), null, "b", 3, 78).current();
    VersionedObject stored = a.merge(b("k"), deleted);
    assertTrue(stored.isTombstoned(), stored.toString());
    assertEquals(stored.siblings(), stored.allSiblings(), "the replaced copy is still stored: " + stored);
    assertEquals(stored, a.get(b("k")));
    assertEquals(stored, b.merge(b("k"), a.get(b("k"))), "both replicas converge on the same object");
    // and the copy arriving again (a stale hint) stays out
    assertEquals(stored, a.merge(b("k"), VersionedObject.EMPTY.write(VersionVector.EMPTY, b("v"), "a", 1, 0, 77)));
  }
}
