package io.ringkv.storage.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record torn by a kill during an in-place overwrite is repaired from the redo journal. The "kill"
 * is a copy of the data directory taken while the engine is open (the mapped pages are in the page
 * cache, as after {@code kill -9}), with the overwritten value's bytes then half-overwritten in the copy.
 */
class RedoJournalTest {
  @TempDir Path tmp;

  private static ChronicleStorageConfig config(Path dir) {
    return new ChronicleStorageConfig(dir, 1_000, 16, 128, 2.0);
  }

  private static byte[] filled(char c) {
    byte[] v = new byte[96];
    Arrays.fill(v, (byte) c);
    return v;
  }

  @Test
  void aTornInPlaceOverwriteIsRepairedFromTheJournal() throws IOException {
    Path live = tmp.resolve("live");
    VersionedObject expected;
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(config(live), StorageLimits.DEFAULTS)) {
      byte[] k1 = "k1".getBytes(StandardCharsets.UTF_8);
      VersionedObject first = e.write(k1, VersionVector.EMPTY, filled('A'), "n", 1).current();
      // same-sized record: Chronicle overwrites it in place
      expected = e.write(k1, first.context(), filled('B'), "n", 2).current();
      byte[] k2 = "k2".getBytes(StandardCharsets.UTF_8);
      e.write(k2, VersionVector.EMPTY, filled('Z'), "n", 3);
      assertTrue(e.removeIfUnchanged(k2, e.get(k2)));

      Path withJournal = crashCopy(live, tmp.resolve("with-journal"), true);
      Path withoutJournal = crashCopy(live, tmp.resolve("without-journal"), false);
      tearValue(withJournal.resolve("objects.dat"), filled('B'));
      tearValue(withoutJournal.resolve("objects.dat"), filled('B'));

      try (ChronicleStorageEngine r = ChronicleStorageEngine.open(config(withJournal), StorageLimits.DEFAULTS)) {
        assertTrue(r.recoveredOnOpen());
        assertEquals(expected, r.get(k1));
        assertNull(r.get(k2), "a journaled removal stays removed");
        assertEquals(1, r.stats().keys());
      }
      // control: without the journal the same damage loses the key's acknowledged state
      try (ChronicleStorageEngine r = ChronicleStorageEngine.open(config(withoutJournal), StorageLimits.DEFAULTS)) {
        VersionedObject damaged;
        try {
          damaged = r.get(k1);
        } catch (io.ringkv.storage.StorageException corrupt) {
          damaged = null;
        }
        assertNotEquals(expected, damaged, "the test's damage did not reach the record");
      }
    }
  }

  @Test
  void checkpointsKeepTheJournalBoundedAndRecoveryStillWorks() throws IOException {
    Path live = tmp.resolve("bounded");
    long journalBytesMax = 4096;
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(config(live), StorageLimits.DEFAULTS, journalBytesMax)) {
      VersionedObject last = null;
      for (int i = 0; i < 300; i++) {
        byte[] key = ("key-" + (i % 50)).getBytes(StandardCharsets.UTF_8);
        VersionedObject stored = e.get(key);
        last = e.write(key, stored == null ? VersionVector.EMPTY : stored.context(), filled((char) ('a' + i % 26)), "n", i)
            .current();
        assertTrue(Files.size(live.resolve(RedoJournal.FILE)) <= journalBytesMax + 256,
            "journal grew to " + Files.size(live.resolve(RedoJournal.FILE)) + " bytes");
      }
      Path copy = crashCopy(live, tmp.resolve("bounded-copy"), true);
      try (ChronicleStorageEngine r = ChronicleStorageEngine.open(config(copy), StorageLimits.DEFAULTS)) {
        assertEquals(50, r.stats().keys());
        assertEquals(last, r.get("key-49".getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  @Test
  void aCleanCloseLeavesAnEmptyJournal() throws IOException {
    Path dir = tmp.resolve("clean");
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(config(dir), StorageLimits.DEFAULTS)) {
      e.write("k".getBytes(StandardCharsets.UTF_8), VersionVector.EMPTY, filled('A'), "n", 1);
      assertTrue(Files.size(dir.resolve(RedoJournal.FILE)) > 96);
    }
    assertEquals(0, Files.size(dir.resolve(RedoJournal.FILE)));
  }

  @Test
  void theJournalKeepsTheLastStateOfEachKeyAndStopsAtATornTail() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("j"));
    byte[] a = {1};
    byte[] b = {2};
    try (RedoJournal j = RedoJournal.open(dir)) {
      j.put(a, new byte[] {10});
      j.put(b, new byte[] {20});
      j.put(a, new byte[] {11});
      j.remove(b);
      j.put(b, new byte[] {21});
      j.remove(a);
      long intact = j.size();
      j.put(a, new byte[] {12});
      // tear the last entry: its CRC no longer matches
      try (var ch = java.nio.channels.FileChannel.open(dir.resolve(RedoJournal.FILE),
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(j.size() - 2);
      }
      Map<RedoJournal.ByteArrayKey, byte[]> states = j.lastStates();
      assertEquals(List.of(new RedoJournal.ByteArrayKey(b), new RedoJournal.ByteArrayKey(a)),
          List.copyOf(states.keySet()));
      assertEquals(21, states.get(new RedoJournal.ByteArrayKey(b))[0]);
      assertNull(states.get(new RedoJournal.ByteArrayKey(a)));
      assertTrue(intact > 0);
    }
  }

  private static Path crashCopy(Path from, Path to, boolean withJournal) throws IOException {
    Files.createDirectories(to);
    for (String name : List.of("objects.dat", ChronicleStorageEngine.DIRTY_MARKER, RedoJournal.FILE)) {
      if (withJournal || !name.equals(RedoJournal.FILE)) {
        Files.copy(from.resolve(name), to.resolve(name));
      }
    }
    return to;
  }

  /** Overwrites the second half of the only occurrence of {@code value} in {@code file}. */
  private static void tearValue(Path file, byte[] value) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int at = -1;
    for (int i = 0; i + value.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + value.length, value, 0, value.length)) {
        assertEquals(-1, at, "value occurs twice in the map file");
        at = i;
      }
    }
    assertTrue(at >= 0, "value not found in the map file");
    Arrays.fill(bytes, at + value.length / 2, at + value.length, (byte) 'C');
    Files.write(file, bytes);
  }
}
