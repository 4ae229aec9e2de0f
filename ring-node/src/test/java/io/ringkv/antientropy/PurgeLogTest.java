package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The purge log's bounds and the guard's semantics on one replica. */
class PurgeLogTest {
  private static byte[] k(int i) {
    return new byte[] {(byte) i, (byte) (i >> 8)};
  }

  @Test
  void theLogKeepsAtMostEntriesMaxAndForgetsWhatIsOlderThanTheRetention() {
    PurgeLog log = new PurgeLog(3, 1_000);
    VersionVector ctx = VersionVector.of(Map.of("n1", 1L));
    for (int i = 0; i < 5; i++) {
      log.record(k(i), ctx, 100 + i);
    }
    assertEquals(3, log.size());
    assertNull(log.contextOf(k(0)));
    assertNull(log.contextOf(k(1)));
    assertNotNull(log.contextOf(k(4)));
    log.record(k(4), ctx, 500); // purged again later: its newer record must outlive the older one
    log.expire(1_103);
    assertNull(log.contextOf(k(2)));
    assertNull(log.contextOf(k(3)));
    assertNotNull(log.contextOf(k(4)));
    log.expire(1_501);
    assertEquals(0, log.size());
    for (int i = 0; i < 100; i++) { // purged then rewritten: the queue stays bounded too
      log.record(k(i), ctx, 2_000);
      log.forget(k(i));
    }
    assertEquals(0, log.size());
  }

  @Test
  void aPurgedKeyRefusesWhatTheTombstoneCoveredKeepsWhatItDidNotAndNeverReusesADot() {
    InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults();
    AntiEntropyStorage s = new AntiEntropyStorage(raw, new PurgeLog(10, 1_000_000),
        TreeLayout.empty(HashTreeProperties.ring(3, 1), 3, "n1", 2));
    byte[] key = k(7);
    VersionedObject old = s.write(key, VersionVector.EMPTY, new byte[] {1}, "n1", 1).current();
    VersionedObject tomb = s.write(key, old.context(), null, "n1", 2).current();
    VersionedObject concurrent = new InMemoryStorageEngine(raw.limits()).write(key, VersionVector.EMPTY,
        new byte[] {2}, "n2", 2).current();
    assertEquals(true, s.purge(key, tomb, 3));
    assertNull(raw.get(key));
    assertEquals(tomb.context(), s.get(key).context());
    assertEquals(0, s.get(key).siblings().size());

    assertEquals(0, s.merge(key, old).siblings().size(), "the old value is refused");
    assertNull(raw.get(key));
    assertEquals(List.of(new Dot("n2", 1)), s.merge(key, concurrent).siblings().stream().map(x -> x.dot()).toList(),
        "a write the delete never saw survives");

    byte[] other = k(8);
    VersionedObject v = s.write(other, VersionVector.EMPTY, new byte[] {3}, "n1", 5).current();
    VersionedObject t = s.write(other, v.context(), null, "n1", 6).current();
    s.purge(other, t, 7);
    Dot minted = s.write(other, VersionVector.EMPTY, new byte[] {4}, "n1", 8).dot();
    assertTrue(minted.counter() > t.newestDotOf("n1").counter(), "a write after the purge mints a new dot: " + minted);
    assertNull(s.purgeLog().contextOf(other), "the context lives in storage again");
  }
}
