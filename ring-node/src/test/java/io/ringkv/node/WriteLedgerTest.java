package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ringkv.node.WriteLedger.KeyState;
import io.ringkv.node.WriteLedger.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scale-out run's judge of what a converged read returned, against what was acknowledged. */
class WriteLedgerTest {
  private final WriteLedger ledger = new WriteLedger(40);

  /** A key with {@code ops} operations issued; the last acknowledged is {@code acked}, the failed one {@code failed}. */
  private KeyState key(int ops, int acked, boolean ackedDelete, int failed, boolean failedDelete) {
    KeyState s = ledger.key(7);
    s.nextSeq = ops;
    s.ackedSeq = acked;
    s.ackedDelete = ackedDelete;
    s.failedSeq = failed;
    s.failedDelete = failedDelete;
    return s;
  }

  private byte[] v(KeyState s, int seq) {
    return ledger.value(s, seq);
  }

  @Test
  void theLastAcknowledgedValueIsOkAndItsAbsenceIsMissing() {
    KeyState s = key(3, 2, false, -1, false);
    assertEquals(Verdict.OK, WriteLedger.check(s, List.of(v(s, 2))));
    assertEquals(Verdict.MISSING, WriteLedger.check(s, List.of()));
    assertEquals(Verdict.MISSING, WriteLedger.check(s, List.of(v(s, 1))), "an older value instead of the last");
    assertEquals(Verdict.STALE, WriteLedger.check(s, List.of(v(s, 1), v(s, 2))), "an overwritten value beside it");
  }

  @Test
  void anAcknowledgedDeleteMustReadAsNotFound() {
    KeyState s = key(3, 2, true, -1, false);
    assertEquals(Verdict.OK, WriteLedger.check(s, List.of()));
    assertEquals(Verdict.RESURRECTED, WriteLedger.check(s, List.of(v(s, 1))));
    assertEquals(Verdict.UNKNOWN_VALUE, WriteLedger.check(s, List.of(v(s, 2))), "a delete writes no value");
  }

  @Test
  void aFailedOperationMayHaveLandedOrNot() {
    KeyState put = key(4, 2, false, 3, false);
    assertEquals(Verdict.OK, WriteLedger.check(put, List.of(v(put, 2))));
    assertEquals(Verdict.OK, WriteLedger.check(put, List.of(v(put, 3))));
    assertEquals(Verdict.MISSING, WriteLedger.check(put, List.of()));
    KeyState del = key(4, 2, false, 3, true);
    assertEquals(Verdict.OK, WriteLedger.check(del, List.of()), "the failed delete landed");
    assertEquals(Verdict.OK, WriteLedger.check(del, List.of(v(del, 2))), "it did not");
    KeyState create = key(1, -1, false, 0, false);
    assertEquals(Verdict.OK, WriteLedger.check(create, List.of()));
    assertEquals(Verdict.OK, WriteLedger.check(create, List.of(v(create, 0))));
  }

  @Test
  void valuesNobodyWroteAreUnknown() {
    KeyState s = key(3, 2, false, -1, false);
    assertEquals(Verdict.UNKNOWN_VALUE, WriteLedger.check(s, List.of(v(s, 2), v(s, 3))), "a sequence never issued");
    KeyState other = ledger.key(8);
    other.nextSeq = 3;
    assertEquals(Verdict.UNKNOWN_VALUE, WriteLedger.check(s, List.of(ledger.value(other, 2))), "another key's value");
    assertEquals(Verdict.UNKNOWN_VALUE, WriteLedger.check(s, List.of("garbage".getBytes())));
  }

  @Test
  void aRetriedWritesSecondCopyIsReportedApartFromStaleAndResurrected() {
    KeyState put = key(3, 2, false, -1, false);
    put.retriedSeq = 1;
    assertEquals(Verdict.RETRIED_SIBLING, WriteLedger.check(put, List.of(v(put, 2), v(put, 1))));
    assertEquals(Verdict.MISSING, WriteLedger.check(put, List.of(v(put, 1))), "the acknowledged value must be there");
    assertEquals(Verdict.STALE, WriteLedger.check(put, List.of(v(put, 2), v(put, 0))), "only the retried one may linger");
    KeyState del = key(3, 2, true, -1, false);
    del.retriedSeq = 1;
    assertEquals(Verdict.OK, WriteLedger.check(del, List.of()));
    assertEquals(Verdict.RETRIED_SIBLING, WriteLedger.check(del, List.of(v(del, 1))));
    assertEquals(Verdict.RESURRECTED, WriteLedger.check(del, List.of(v(del, 0))));
  }
}
