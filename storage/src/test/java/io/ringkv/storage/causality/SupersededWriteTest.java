package io.ringkv.storage.causality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A write retried through a second minter must not come back after a delete (the Jepsen delete
 * workload's resurrection): the two ways it did, and the bound on what an object remembers.
 */
class SupersededWriteTest {
  private static final byte[] DOOMED = "doomed".getBytes(StandardCharsets.UTF_8);
  private static final long WRITE = 77;
  private static final long DELETE = 78;

  /** Every order of merging the objects, as replication, hints, anti-entropy and read repair may. */
  private static List<VersionedObject> everyMergeOrder(VersionedObject... objects) {
    List<VersionedObject> out = new ArrayList<>();
    permute(new ArrayList<>(List.of(objects)), 0, out);
    return out;
  }

  private static void permute(List<VersionedObject> o, int k, List<VersionedObject> out) {
    if (k == o.size()) {
      VersionedObject m = VersionedObject.EMPTY;
      for (VersionedObject x : o) {
        m = m.merge(x);
      }
      out.add(m);
      return;
    }
    for (int i = k; i < o.size(); i++) {
      java.util.Collections.swap(o, k, i);
      permute(o, k + 1, out);
      java.util.Collections.swap(o, k, i);
    }
  }

  @Test
  void aStrayCopyArrivingAfterADeleteThatSawOnlyTheRetryDoesNotComeBack() {
    // n1 mints the write and dies before replicating it; the client retries the same write through n2
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1_000, 0, WRITE);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n2", 1_005, 0, WRITE);
    // a reader's quorum sees only the retry's copy; the delete with that context is minted by n2
    VersionedObject deleted = retry.write(retry.context(), null, "n2", 1_010, 0, DELETE);
    assertTrue(deleted.isDeleted());
    // n1 comes back: its copy reaches the others by hint, anti-entropy or read repair, in any order
    for (VersionedObject m : everyMergeOrder(first, retry, deleted)) {
      assertTrue(m.isDeleted(), "the deleted value came back: " + m);
      assertEquals(List.of(), m.liveValuesOncePerWrite());
    }
    assertTrue(first.merge(deleted).isDeleted());
    assertTrue(deleted.merge(first).isDeleted());
    // stored, the copy is gone for good, its dot covered: it cannot come back from anywhere later
    VersionedObject stored = deleted.merge(first).compact();
    assertEquals(1, stored.allSiblings().size(), stored.toString());
    assertTrue(stored.context().covers(first.newestDotOf("n1")));
    assertEquals(stored, stored.merge(first));
  }

  @Test
  void aDeleteMintedWhereBothCopiesWereDropsTheOneItsContextDidNotSee() {
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1_000, 0, WRITE);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n2", 1_005, 0, WRITE);
    VersionedObject both = retry.merge(first);
    assertEquals(List.of(DOOMED.length), both.liveValuesOncePerWrite().stream().map(v -> v.length).toList(),
        "a reader sees the write once");
    VersionedObject deleted = both.write(retry.context(), null, "n2", 1_010, 0, DELETE);
    assertEquals(1, deleted.allSiblings().size(), "the copy the context did not see stayed: " + deleted);
    assertTrue(deleted.isTombstoned());
  }

  @Test
  void aDeleteMintedWhereTheCopyItsContextCoversHadNotArrivedStillReplacesTheWrite() {
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1_000, 0, WRITE);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n2", 1_005, 0, WRITE);
    // the reader saw n2's copy; the delete is minted by n3, which the retry's replication has not reached
    VersionedObject deleted = VersionedObject.EMPTY.write(retry.context(), null, "n3", 1_010, 0, DELETE);
    // the id is learnt where the delete meets the copy it replaced, whatever the order
    for (VersionedObject m : everyMergeOrder(first, retry, deleted)) {
      assertTrue(m.isDeleted(), "the deleted value came back: " + m);
    }
    assertTrue(retry.merge(deleted).isSuperseded(WRITE));
  }

  @Test
  void aRetryArrivingAfterTheDeleteOfItsFirstAttemptIsNotMintedAgain() {
    VersionedObject written = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1_000, 0, WRITE);
    VersionedObject deleted = written.write(written.context(), null, "n1", 1_010, 0, DELETE);
    VersionedObject n2 = written.merge(deleted); // n2 got both by replication
    // the client's retry of the write (it never saw the first attempt's reply) reaches n1, then n2
    assertSame(deleted, deleted.write(VersionVector.EMPTY, DOOMED, "n1", 1_020, 0, WRITE));
    VersionedObject late = n2.write(VersionVector.EMPTY, DOOMED, "n2", 1_020, 0, WRITE);
    assertTrue(late.isDeleted(), "the late retry recreated the deleted value: " + late);
    assertEquals(n2, late);
    // a replica that had neither mints it (it cannot know), and the copy is hidden once they meet
    VersionedObject n3 = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n3", 1_020, 0, WRITE);
    for (VersionedObject m : everyMergeOrder(n3, deleted, late)) {
      assertTrue(m.isDeleted(), "the deleted value came back: " + m);
    }
  }

  @Test
  void aLaterWriteReplacesBothCopiesAndARetryOfItIsStillRecognised() {
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1_000, 0, WRITE);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n2", 1_005, 0, WRITE);
    VersionedObject next = retry.write(retry.context(), "next".getBytes(StandardCharsets.UTF_8), "n2", 1_010, 0, 79);
    VersionedObject m = first.merge(next);
    assertEquals(List.of("next"), m.liveValuesOncePerWrite().stream().map(String::new).toList());
    assertSame(next, next.write(retry.context(), "next".getBytes(StandardCharsets.UTF_8), "n2", 1_011, 0, 79),
        "a retry of the write that is held is still a no-op");
  }

  @Test
  void anObjectRemembersTheNewestEightSupersededWritesWithinTenMinutesOfTheNewest() {
    VersionedObject o = VersionedObject.EMPTY;
    for (int i = 1; i <= 10; i++) {
      o = o.write(o.context(), new byte[] {(byte) i}, "n1", 1_000 + i, 0, i);
    }
    // writes 1..9 were each replaced by the next; the newest 8 of them are remembered
    assertEquals(VersionedObject.SUPERSEDED_MAX, o.superseded().size());
    for (int i = 2; i <= 9; i++) {
      assertTrue(o.isSuperseded(i), "write " + i + " forgotten: " + o);
    }
    assertFalse(o.isSuperseded(1));
    assertEquals(new SupersededWrite(9, 1_010), o.superseded().get(0), "newest first");

    // one more replaced write, later than the horizon: the older ones are forgotten
    long later = 1_010 + VersionedObject.SUPERSEDED_HORIZON_MS + 1;
    VersionedObject after = o.write(o.context(), new byte[] {11}, "n1", later, 0, 11);
    assertEquals(List.of(new SupersededWrite(10, later)), after.superseded());
    // within the horizon they stay
    VersionedObject within = o.write(o.context(), new byte[] {11}, "n1", 1_010 + VersionedObject.SUPERSEDED_HORIZON_MS, 0, 11);
    assertTrue(within.isSuperseded(9) && within.isSuperseded(10));
  }

  /**
   * Clock skew (issue 16, item 6): the superseded set's time cut compares the clocks of the nodes that
   * recorded its entries. A delete through n2 (clock right) remembers the id of the copy it replaced;
   * the key is written again through n3, whose clock is 15 minutes ahead; then the other copy of the
   * deleted write, minted by n1 before it died, arrives. With a 10-minute horizon n3's entry made n2's
   * look expired, the id was forgotten and the deleted value came back beside the new one.
   */
  @Test
  void aReplacedWriteStaysReplacedWhenTheNextWritersClockIsMinutesAhead() {
    long t = 1_000_000;
    long skew = 15 * 60 * 1000L;
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", t, 0, WRITE);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n2", t + 5, 0, WRITE);
    VersionedObject deleted = retry.write(retry.context(), null, "n2", t + 10, 0, DELETE);
    VersionedObject rewritten = deleted.write(deleted.context(), new byte[] {42}, "n3", t + 20 + skew, 0, 79);
    for (VersionedObject m : everyMergeOrder(first, rewritten)) {
      assertEquals(List.of(1), m.liveValuesOncePerWrite().stream().map(v -> v.length).toList(),
          "the deleted value came back beside the new one: " + m);
      assertTrue(m.isSuperseded(WRITE), m.toString());
    }
    // and behind: the replacing node's clock 15 minutes late, a later rewrite at the right time
    VersionedObject lateDelete = retry.write(retry.context(), null, "n2", t + 10 - skew, 0, DELETE);
    VersionedObject again = lateDelete.write(lateDelete.context(), new byte[] {42}, "n3", t + 20, 0, 79);
    assertEquals(List.of(1), again.merge(first).liveValuesOncePerWrite().stream().map(v -> v.length).toList());
  }

  @Test
  void mostObjectsCarryNoSupersededWrites() {
    VersionedObject blind = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1, 0, WRITE)
        .write(VersionVector.EMPTY, DOOMED, "n2", 2, 0, 79);
    assertEquals(List.of(), blind.superseded(), "blind writes replace nothing");
    VersionedObject noIds = VersionedObject.EMPTY.write(VersionVector.EMPTY, DOOMED, "n1", 1);
    assertEquals(List.of(), noIds.write(noIds.context(), DOOMED, "n1", 2).superseded(), "writes without ids");
  }

  @Test
  void ofRefusesASetOutsideItsBound() {
    VersionVector ctx = VersionVector.of(Map.of("n1", 1L));
    List<Sibling> none = List.of();
    List<SupersededWrite> nine = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      nine.add(new SupersededWrite(i, 100));
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> VersionedObject.of(ctx, none, nine))
        .getMessage().contains("over SUPERSEDED_MAX=8"));
    List<SupersededWrite> old = List.of(new SupersededWrite(1, 0),
        new SupersededWrite(2, VersionedObject.SUPERSEDED_HORIZON_MS + 1));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> VersionedObject.of(ctx, none, old))
        .getMessage().contains("older than SUPERSEDED_HORIZON_MS"));
    List<SupersededWrite> twice = List.of(new SupersededWrite(1, 5), new SupersededWrite(1, 6));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> VersionedObject.of(ctx, none, twice))
        .getMessage().contains("named twice"));
    assertThrows(IllegalArgumentException.class, () -> new SupersededWrite(0, 1));
  }
}
