package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.memory.InMemoryStorageEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable purge log: its file survives a restart, a torn or corrupt file never fails a start. */
class PurgeLogFileTest {
  static final long DAY_MS = 24L * 3600 * 1000;

  @TempDir
  Path dir;

  private Path file() {
    return dir.resolve(PurgeLogFile.FILE);
  }

  private static byte[] k(int i) {
    return ("key-" + i).getBytes();
  }

  private static VersionVector ctx(int i) {
    return VersionVector.of(Map.of("n1", 10L + i, "n2", 3L));
  }

  private PurgeLog open(int entriesMax, long retentionMs, long nowMs) throws IOException {
    return PurgeLog.open(file(), entriesMax, retentionMs, nowMs);
  }

  /** What AntiEntropyStorage.purge does for keys it removed: prepare (durable), then record. */
  private static void purge(PurgeLog log, long nowMs, int... keys) throws IOException {
    List<byte[]> ks = new ArrayList<>();
    List<VersionVector> cs = new ArrayList<>();
    for (int i : keys) {
      ks.add(k(i));
      cs.add(ctx(i));
    }
    log.prepare(ks, cs, nowMs);
    for (int i : keys) {
      log.record(k(i), ctx(i), nowMs);
    }
  }

  /** File offsets where each record starts, and the end. */
  private List<Long> recordOffsets() throws IOException {
    byte[] all = Files.readAllBytes(file());
    List<Long> out = new ArrayList<>();
    int at = 0;
    while (at < all.length) {
      out.add((long) at);
      ByteBuffer h = ByteBuffer.wrap(all, at, PurgeLogFile.HEADER_BYTES);
      h.getInt();
      h.get();
      h.getLong();
      int keyLength = h.getInt();
      int contextLength = h.getInt();
      at += PurgeLogFile.HEADER_BYTES + keyLength + contextLength + PurgeLogFile.CRC_BYTES;
    }
    assertEquals(all.length, at, "the file is a sequence of whole records");
    out.add((long) at);
    return out;
  }

  private void flipByte(long offset) throws IOException {
    byte[] all = Files.readAllBytes(file());
    all[(int) offset] ^= 0x5a;
    Files.write(file(), all);
  }

  @Test
  void aRestartRemembersEveryPurgeWithItsContextAndForgetsWhatWasForgotten() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    purge(log, 1_000, 1, 2, 3);
    purge(log, 2_000, 4);
    log.forget(k(2)); // key-2 was written again
    purge(log, 3_000, 1); // key-1 purged again later: contexts join
    log.close();

    PurgeLog back = open(100, DAY_MS, 5_000);
    assertEquals(3, back.size());
    assertEquals(ctx(1), back.contextOf(k(1)));
    assertNull(back.contextOf(k(2)), "a forgotten key stays forgotten after the restart");
    assertEquals(ctx(3), back.contextOf(k(3)));
    assertEquals(ctx(4), back.contextOf(k(4)));
    assertEquals(3, back.fileRecords(), "the start compacted the file to the live entries");
    back.close();

    PurgeLog again = open(100, DAY_MS, 6_000); // and the compacted file reads back the same
    assertEquals(3, again.size());
    assertEquals(ctx(4), again.contextOf(k(4)));
    again.close();
  }

  @Test
  void theRecordOfABatchIsOnDiskBeforeTheBatchIsRemovedAndACancelledPurgeLeavesNoEntry() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    log.prepare(List.of(k(1), k(2)), List.of(ctx(1), ctx(2)), 1_000);
    // a crash here (after prepare, before any removal): a copy of the file holds both records
    Files.copy(file(), dir.resolve("copy.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<PurgeLogFile.Entry> seen = new ArrayList<>();
    try (PurgeLogFile copy = PurgeLogFile.open(dir.resolve("copy.log"))) {
      copy.scan(seen::add);
    }
    assertEquals(2, seen.size());
    assertArrayEquals(k(1), seen.get(0).key());
    assertEquals(ctx(2), seen.get(1).context());

    log.record(k(1), ctx(1), 1_000);
    log.cancel(k(2)); // a write won the race: key-2 was not purged
    assertNull(log.contextOf(k(2)));
    log.close();
    PurgeLog back = open(100, DAY_MS, 2_000);
    assertEquals(ctx(1), back.contextOf(k(1)));
    assertNull(back.contextOf(k(2)), "the cancelled purge does not come back");
    back.close();
  }

  @Test
  void aTornTailIsCutOffAndAppendsAfterTheRestartSurviveTheNextOne() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    purge(log, 1_000, 1, 2, 3);
    log.close();
    List<Long> offsets = recordOffsets();
    long torn = offsets.get(2) + 9; // the third append died after 9 bytes
    try (var ch = java.nio.channels.FileChannel.open(file(), StandardOpenOption.WRITE)) {
      ch.truncate(torn);
    }

    PurgeLog back = open(100, DAY_MS, 2_000);
    assertEquals(2, back.size());
    assertNotNull(back.contextOf(k(1)));
    assertNotNull(back.contextOf(k(2)));
    assertNull(back.contextOf(k(3)), "the torn record is gone");
    assertEquals(offsets.get(2), Files.size(file()), "the torn bytes were cut off");
    purge(back, 3_000, 5);
    back.close();

    PurgeLog again = open(100, DAY_MS, 4_000);
    assertEquals(ctx(5), again.contextOf(k(5)), "a purge recorded after the cut is read back");
    assertEquals(3, again.size());
    again.close();
  }

  @Test
  void aRecordWithABadChecksumIsSkippedAndTheRecordsAfterItAreKept() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    purge(log, 1_000, 1, 2, 3);
    log.close();
    List<Long> offsets = recordOffsets();
    flipByte(offsets.get(1) + PurgeLogFile.HEADER_BYTES + 2); // a byte of key-2's key

    PurgeLog back = open(100, DAY_MS, 2_000);
    assertNotNull(back.contextOf(k(1)));
    assertNull(back.contextOf(k(2)));
    assertNotNull(back.contextOf(k(3)), "the record after the damaged one is kept");
    assertEquals(2, back.fileRecords(), "rewritten without the damaged record");
    back.close();
  }

  @Test
  void aDamagedLengthOrAForeignFileEndsTheScanWithoutFailingTheStart() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    purge(log, 1_000, 1, 2, 3);
    log.close();
    List<Long> offsets = recordOffsets();
    // key length of record 2 becomes huge: nothing after it can be trusted
    byte[] all = Files.readAllBytes(file());
    ByteBuffer.wrap(all).putInt((int) (offsets.get(1) + 4 + 1 + 8), 0x7fff_0000);
    Files.write(file(), all);

    PurgeLog back = open(100, DAY_MS, 2_000);
    assertEquals(1, back.size());
    assertNotNull(back.contextOf(k(1)));
    assertEquals(offsets.get(1), Files.size(file()));
    back.close();

    Files.write(file(), "not a purge log at all, just some text that someone put here".getBytes());
    PurgeLog foreign = open(100, DAY_MS, 3_000);
    assertEquals(0, foreign.size());
    assertEquals(0, Files.size(file()));
    foreign.close();
  }

  @Test
  void aCorruptLastRecordIsDroppedLikeATornOne() throws IOException {
    PurgeLog log = open(100, DAY_MS, 0);
    purge(log, 1_000, 1, 2);
    log.close();
    List<Long> offsets = recordOffsets();
    flipByte(offsets.get(2) - 1); // the CRC of the last record
    PurgeLog back = open(100, DAY_MS, 2_000);
    assertEquals(1, back.size());
    assertNull(back.contextOf(k(2)));
    back.close();
  }

  @Test
  void theFileIsCompactedWhenItHoldsMoreThanTwiceTheLiveEntries() throws IOException {
    PurgeLog log = open(4, DAY_MS, 0);
    for (int i = 0; i < 4; i++) {
      purge(log, 1_000 + i, i);
      log.forget(k(i)); // purged, then written again
    }
    purge(log, 2_000, 10);
    assertEquals(9, log.fileRecords());
    assertTrue(log.needsCompaction(), "9 records for 1 live entry (bound 2 x min(entriesMax, 1,024) = 8)");
    long before = Files.size(file());
    log.compact();
    assertEquals(1, log.fileRecords());
    assertTrue(Files.size(file()) < before);
    assertFalse(log.needsCompaction());
    assertFalse(Files.exists(dir.resolve(PurgeLogFile.FILE + ".tmp")));
    purge(log, 3_000, 11); // appends go to the new file
    log.close();
    PurgeLog back = open(4, DAY_MS, 4_000);
    assertEquals(2, back.size());
    assertEquals(ctx(10), back.contextOf(k(10)));
    assertEquals(ctx(11), back.contextOf(k(11)));
    back.close();
  }

  @Test
  void aRecordAppendedWhileTheFileIsRewrittenIsCarriedIntoTheNewFile() throws IOException {
    PurgeLogFile f = PurgeLogFile.open(file());
    f.scan(e -> {});
    f.append(List.of(PurgeLogFile.Entry.purge(k(1), ctx(1), 1), PurgeLogFile.Entry.purge(k(2), ctx(2), 2)));
    f.rewrite(() -> {
      // the snapshot has key-1 and key-2; a forget lands right after it was taken (same monitor, so here)
      List<PurgeLogFile.Entry> snapshot = List.of(PurgeLogFile.Entry.purge(k(1), ctx(1), 1),
          PurgeLogFile.Entry.purge(k(2), ctx(2), 2));
      try {
        f.append(List.of(PurgeLogFile.Entry.forget(k(2))));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      return snapshot;
    });
    assertEquals(3, f.records());
    f.close();
    PurgeLog back = open(100, DAY_MS, 10);
    assertNotNull(back.contextOf(k(1)));
    assertNull(back.contextOf(k(2)), "the forget made during the rewrite is in the new file");
    back.close();
  }

  @Test
  void theBoundsHoldAfterAReload() throws IOException {
    PurgeLog log = open(1_000, 10 * DAY_MS, 0);
    for (int i = 0; i < 6; i++) {
      purge(log, i * DAY_MS, i); // one purge a day
    }
    log.close();
    // restarted with a smaller log (3 entries) and a 7-day retention, on day 9: keys 0..2 fall to the
    // entry bound (oldest first), keys 3..5 were purged within the last 7 days
    PurgeLog back = open(3, 7 * DAY_MS, 9 * DAY_MS);
    assertEquals(3, back.size());
    for (int i = 0; i < 3; i++) {
      assertNull(back.contextOf(k(i)), "key-" + i);
    }
    for (int i = 3; i < 6; i++) {
      assertNotNull(back.contextOf(k(i)), "key-" + i);
    }
    back.close();
    PurgeLog later = open(3, 7 * DAY_MS, 11 * DAY_MS + 1); // day 11: the purges of days 3 and 4 expired
    assertEquals(1, later.size());
    assertNotNull(later.contextOf(k(5)));
    assertEquals(1, later.fileRecords());
    later.close();
  }

  @Test
  void throughTheStorageGuardAPurgedKeyStaysGuardedAndARewrittenOneStaysForgottenAfterARestart()
      throws IOException {
    InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults(); // the store survives the restart
    AntiEntropyStorage s = new AntiEntropyStorage(raw, open(100, DAY_MS, 0),
        TreeLayout.empty(HashTreeProperties.ring(3, 1), 3, "n1", 2));
    VersionedObject[] old = new VersionedObject[3];
    VersionedObject[] tomb = new VersionedObject[3];
    for (int i = 0; i < 3; i++) {
      old[i] = s.write(k(i), VersionVector.EMPTY, new byte[] {(byte) i}, "n1", 1).current();
      tomb[i] = s.write(k(i), old[i].context(), null, "n1", 2).current();
    }
    // key-2 is written again between the GC's scan and its purge: that purge must not happen
    VersionedObject raced = s.write(k(2), tomb[2].context(), new byte[] {9}, "n1", 3).current();
    assertEquals(2, s.purge(List.of(k(0), k(1), k(2)), List.of(tomb[0], tomb[1], tomb[2]), 4));
    assertEquals(raced, raw.get(k(2)));
    VersionedObject rewritten = s.write(k(1), VersionVector.EMPTY, new byte[] {7}, "n1", 5).current();
    s.purgeLog().close(); // the process dies; the store (raw) survives, as the Chronicle files do

    AntiEntropyStorage after = new AntiEntropyStorage(raw, open(100, DAY_MS, 10),
        TreeLayout.empty(HashTreeProperties.ring(3, 1), 3, "n1", 2));
    assertEquals(1, after.purgeLog().size(), "only key-0 is purged and not stored again");
    assertEquals(0, after.merge(k(0), old[0]).siblings().size(), "the old value of the purged key is refused");
    assertNull(raw.get(k(0)));
    assertNull(after.purgeLog().contextOf(k(1)), "the rewritten key is not guarded again");
    assertEquals(rewritten, after.get(k(1)));
    assertNull(after.purgeLog().contextOf(k(2)), "the purge that lost the race left no entry");
    after.purgeLog().close();
  }

  @Test
  void aPurgeWhoseRecordCannotBeWrittenRemovesNothing() throws IOException {
    InMemoryStorageEngine raw = InMemoryStorageEngine.withDefaults();
    PurgeLog log = open(100, DAY_MS, 0);
    AntiEntropyStorage s = new AntiEntropyStorage(raw, log, TreeLayout.empty(HashTreeProperties.ring(3, 1), 3, "n1", 2));
    VersionedObject v = s.write(k(1), VersionVector.EMPTY, new byte[] {1}, "n1", 1).current();
    VersionedObject tomb = s.write(k(1), v.context(), null, "n1", 2).current();
    log.close(); // the disk is gone: the purge's record cannot be written
    assertEquals(0, s.purge(List.of(k(1)), List.of(tomb), 3));
    assertEquals(tomb, raw.get(k(1)), "the tombstone stays until its purge can be recorded");
    assertNull(log.contextOf(k(1)));
  }
}
