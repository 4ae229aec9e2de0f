package io.ringkv.storage.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageEngineContract;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.StoreFullException;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleStorageEngineTest extends StorageEngineContract {

  @TempDir Path tmp;
  private int dirs;

  /** Small stores keep the sparse files and the test run light. */
  private ChronicleStorageConfig small(Path dir) {
    return new ChronicleStorageConfig(dir, 10_000, 16, 64, 5.0);
  }

  @Override
  protected StorageEngine createEngine(StorageLimits limits) {
    return ChronicleStorageEngine.open(small(tmp.resolve("engine-" + dirs++)), limits);
  }

  @Test
  void dataSurvivesCloseAndReopen() {
    Path dir = tmp.resolve("reopen");
    VersionedObject written;
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS)) {
      assertFalse(e.recoveredOnOpen());
      e.write(b("k"), VersionVector.EMPTY, b("v1"), "a", 1);
      written = e.write(b("k"), VersionVector.EMPTY, b("v2"), "b", 2).current();
    }
    assertTrue(Files.exists(dir.resolve("objects.dat")));
    assertFalse(Files.exists(dir.resolve(ChronicleStorageEngine.DIRTY_MARKER)), "clean close removes the marker");
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS)) {
      assertFalse(e.recoveredOnOpen());
      assertEquals(written, e.get(b("k")));
      assertEquals(1, e.stats().keys());
    }
  }

  /**
   * dots.lease: a key purged (removed, as tombstone GC does) and written again after a restart gets a
   * dot above every dot minted before the restart, so no replica or client context that saw the old
   * dot discards the new write. Without the persisted floor the counter restarts at 1.
   */
  @Test
  void aRestartedEngineNeverReusesADotOfAPurgedKey() {
    Path dir = tmp.resolve("lease");
    long before;
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS)) {
      VersionedObject o = null;
      for (int i = 0; i < 5; i++) {
        o = e.write(b("k"), o == null ? VersionVector.EMPTY : o.context(), b("v" + i), "a", i).current();
      }
      before = o.siblings().get(0).dot().counter();
      assertTrue(e.removeIfUnchanged(b("k"), o), "the purge");
    }
    assertTrue(Files.exists(dir.resolve(ChronicleStorageEngine.DOT_LEASE_FILE)));
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS)) {
      assertEquals(null, e.get(b("k")));
      long after = e.write(b("k"), VersionVector.EMPTY, b("again"), "a", 10).current().siblings().get(0).dot().counter();
      assertTrue(after > before, "dot " + after + " after the restart, " + before + " before");
    }
  }

  @Test
  void aDirectoryCannotBeOpenedTwice() {
    Path dir = tmp.resolve("twice");
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS)) {
      StorageException ex = assertThrows(StorageException.class,
          () -> ChronicleStorageEngine.open(small(dir), StorageLimits.DEFAULTS));
      assertTrue(ex.getMessage().contains("already open"), ex.getMessage());
      assertNotNull(e.stats());
    }
  }

  @Test
  void aFullStoreIsAClearErrorAndKeepsEverythingWrittenBefore() {
    Path dir = tmp.resolve("full");
    ChronicleStorageConfig tiny = new ChronicleStorageConfig(dir, 100, 8, 32, 1.0);
    Map<String, VersionedObject> acknowledged = new LinkedHashMap<>();
    StoreFullException full = null;
    String refusedKey = null;
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(tiny, StorageLimits.DEFAULTS)) {
      for (int i = 0; i < 100_000 && full == null; i++) {
        String key = "key-" + i;
        try {
          acknowledged.put(key, e.write(b(key), VersionVector.EMPTY, new byte[32], "a", i).current());
        } catch (StoreFullException ex) {
          full = ex;
          refusedKey = key;
        }
      }
      assertNotNull(full, "a store sized for 100 keys never filled up");
      assertTrue(full.getMessage().contains("storage.entries (--storage-entries)"), full.getMessage());
      assertEquals(null, e.get(b(refusedKey)), "the refused write left nothing behind");
      for (Map.Entry<String, VersionedObject> a : acknowledged.entrySet()) {
        assertEquals(a.getValue(), e.get(b(a.getKey())), a.getKey());
      }
      // Growing existing records in a full store is refused cleanly: the old record stays, counted and
      // iterable. (Chronicle's own relocation lost the entry from size() and iteration here.)
      int refusedGrowths = 0;
      for (Map.Entry<String, VersionedObject> a : acknowledged.entrySet()) {
        try {
          a.setValue(e.write(b(a.getKey()), VersionVector.EMPTY, new byte[500], "b", 1).current());
        } catch (StoreFullException ex) {
          refusedGrowths++;
          assertEquals(a.getValue(), e.get(b(a.getKey())));
        }
      }
      assertTrue(refusedGrowths > 0, "no growth was refused; the store was not full");
      assertStoreHoldsExactly(e, acknowledged);
    }
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(tiny, StorageLimits.DEFAULTS)) {
      assertStoreHoldsExactly(e, acknowledged);
    }
  }

  private static void assertStoreHoldsExactly(StorageEngine e, Map<String, VersionedObject> expected) {
    assertEquals(expected.size(), e.stats().keys());
    Map<String, VersionedObject> seen = new LinkedHashMap<>();
    e.forEach((k, o) -> seen.put(new String(k, java.nio.charset.StandardCharsets.UTF_8), o));
    assertEquals(expected, seen);
    for (Map.Entry<String, VersionedObject> a : expected.entrySet()) {
      assertEquals(a.getValue(), e.get(b(a.getKey())), a.getKey());
    }
  }

  @Test
  void aRecordTooLargeForTheChunkLayoutIsRefusedAndTheOldRecordStays() {
    // a store sized for 64-byte values cannot hold a 900 KB record in one entry
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(tmp.resolve("big")), StorageLimits.DEFAULTS)) {
      VersionedObject small = e.write(b("k"), VersionVector.EMPTY, new byte[10_000], "a", 1).current();
      e.write(b("other"), VersionVector.EMPTY, b("x"), "a", 1);
      io.ringkv.storage.LimitExceededException ex = assertThrows(io.ringkv.storage.LimitExceededException.class,
          () -> e.write(b("k"), VersionVector.EMPTY, new byte[900_000], "b", 2));
      assertTrue(ex.getMessage().contains("too large"), ex.getMessage());
      assertEquals(Map.of("k", small, "other", e.get(b("other"))), contents(e));
      assertEquals(2, e.stats().keys());
    }
  }

  @Test
  void statsReportKeysCapacityAndGrowingBytes() {
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(small(tmp.resolve("stats")), StorageLimits.DEFAULTS)) {
      long empty = e.stats().bytesUsed();
      for (int i = 0; i < 200; i++) {
        e.write(b("key-" + i), VersionVector.EMPTY, new byte[100], "a", i);
      }
      assertEquals(200, e.stats().keys());
      assertEquals(10_000, e.stats().capacityKeys());
      assertTrue(e.stats().bytesUsed() >= empty + 200 * 100, "bytesUsed " + empty + " -> " + e.stats().bytesUsed());
    }
  }

  private static Map<String, VersionedObject> contents(StorageEngine e) {
    Map<String, VersionedObject> seen = new LinkedHashMap<>();
    e.forEach((k, o) -> seen.put(new String(k, java.nio.charset.StandardCharsets.UTF_8), o));
    return seen;
  }

  @Test
  void configValidationNamesTheField() {
    Path dir = tmp.resolve("cfg");
    ChronicleStorageConfig d = ChronicleStorageConfig.defaults(dir);
    assertEquals(1_000_000, d.entries());
    assertEquals(36, d.averageKeyBytes());
    assertEquals(1024, d.averageValueBytes());
    assertEquals(5.0, d.maxBloatFactor());
    assertEquals(dir.resolve("objects.dat"), d.objectsFile());
    assertMessageNames("entries", () -> d.withEntries(0));
    assertMessageNames("averageKeyBytes", () -> d.withAverageKeyBytes(-1));
    assertMessageNames("averageValueBytes", () -> d.withAverageValueBytes(0));
    assertMessageNames("maxBloatFactor", () -> d.withMaxBloatFactor(0.5));
    assertMessageNames("maxBloatFactor", () -> d.withMaxBloatFactor(Double.NaN));
    assertThrows(NullPointerException.class, () -> ChronicleStorageConfig.defaults(null));
  }

  private static void assertMessageNames(String field, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
  }
}
