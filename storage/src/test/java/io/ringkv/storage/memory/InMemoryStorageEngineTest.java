package io.ringkv.storage.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageEngineContract;
import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.StoreFullException;
import io.ringkv.storage.causality.VersionVector;
import org.junit.jupiter.api.Test;

class InMemoryStorageEngineTest extends StorageEngineContract {

  @Override
  protected StorageEngine createEngine(StorageLimits limits) {
    return new InMemoryStorageEngine(limits);
  }

  @Test
  void maxEntriesRefusesNewKeysButAllowsUpdates() {
    InMemoryStorageEngine e = new InMemoryStorageEngine(StorageLimits.DEFAULTS, 2);
    e.write(b("a"), VersionVector.EMPTY, b("1"), "n", 1);
    e.write(b("b"), VersionVector.EMPTY, b("1"), "n", 1);
    StoreFullException ex = assertThrows(StoreFullException.class,
        () -> e.write(b("c"), VersionVector.EMPTY, b("1"), "n", 1));
    assertTrue(ex.getMessage().contains("maxEntries"), ex.getMessage());
    assertThrows(StoreFullException.class,
        () -> e.merge(b("c"), e.get(b("a"))));
    e.write(b("a"), e.get(b("a")).context(), b("2"), "n", 2);
    assertEquals(2, e.stats().keys());
    assertEquals(2, e.stats().capacityKeys());
    assertTrue(e.removeIfUnchanged(b("b"), e.get(b("b"))));
    e.write(b("c"), VersionVector.EMPTY, b("1"), "n", 1);
    assertEquals(2, e.stats().keys());
  }

  @Test
  void bytesUsedFollowsWritesAndRemovals() {
    InMemoryStorageEngine e = InMemoryStorageEngine.withDefaults();
    e.write(b("k"), VersionVector.EMPTY, new byte[100], "n", 1);
    long one = e.stats().bytesUsed();
    assertTrue(one >= 101, "bytesUsed " + one);
    e.write(b("k"), VersionVector.EMPTY, new byte[100], "n", 1);
    assertTrue(e.stats().bytesUsed() >= one + 100);
    assertTrue(e.removeIfUnchanged(b("k"), e.get(b("k"))));
    assertEquals(0, e.stats().bytesUsed());
  }
}
