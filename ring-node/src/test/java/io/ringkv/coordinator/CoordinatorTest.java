package io.ringkv.coordinator;

import io.ringkv.ring.Replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.internode.ReplicaMessages.ReplicaWriteReply;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure coordinators, event by event: no network, no clock, no threads. */
class CoordinatorTest {
  static final Endpoint A = new Endpoint("a", 1);
  static final Endpoint B = new Endpoint("b", 1);
  static final Endpoint C = new Endpoint("c", 1);
  static final List<Replica> ABC = List.of(Replica.primary("a", A), Replica.primary("b", B),
      Replica.of("c", C, "d"));

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static PutCoordinator put(int w) {
    return new PutCoordinator(7, 99, b("k"), b("v"), VersionVector.EMPTY, ABC, w, 1000, 100, v -> new byte[] {1});
  }

  static VersionedObject written(String node) {
    return VersionedObject.EMPTY.write(VersionVector.EMPTY, b("v"), node, 0);
  }

  @Test
  void aPutMintsAtTheFirstTargetReplicatesToTheRestAndAnswersAfterWAcks() {
    PutCoordinator p = put(2);
    Step s = p.start(0);
    assertEquals(1, s.sends().size());
    assertEquals(A, s.sends().get(0).to());
    assertInstanceOf(ReplicaWrite.class, s.sends().get(0).message());

    s = p.onReply(A, new ReplicaWriteReply(7, true, written("a")), 1);
    assertEquals(2, s.sends().size(), "merge to b and c");
    ReplicaMerge toC = (ReplicaMerge) s.sends().get(1).message();
    assertEquals("d", toC.hintFor(), "the fallback keeps a hint for the owner it stands in for");
    assertNull(s.reply());

    s = p.onReply(B, new ReplicaAck(7), 2);
    PutReply reply = assertInstanceOf(PutReply.class, s.reply());
    assertEquals(2, reply.acks());
    assertTrue(reply.created());
  }

  @Test
  void aMinterThatRefusesForItsOwnReasonIsReplacedByTheNextTarget() {
    PutCoordinator p = put(2);
    p.start(0);
    Step s = p.onReply(A, new ErrorReply(7, ErrorCode.STORE_FULL, "full"), 1);
    assertEquals(B, s.sends().get(0).to());
    assertInstanceOf(ReplicaWrite.class, s.sends().get(0).message());
  }

  @Test
  void aLimitErrorFailsAtOnceBecauseEveryReplicaWouldRefuse() {
    PutCoordinator p = put(2);
    p.start(0);
    Step s = p.onReply(A, new ErrorReply(7, ErrorCode.LIMIT_EXCEEDED, "value too big"), 1);
    assertEquals(ErrorCode.LIMIT_EXCEEDED, assertInstanceOf(ErrorReply.class, s.reply()).code());
    assertTrue(s.finished());
  }

  @Test
  void aSilentMinterIsReplacedAfterTheMintTimeoutAndMustNotMintLaterThanHalfOfIt() {
    PutCoordinator p = put(2);
    Step s = p.start(0);
    assertEquals(100, s.wakeAtMs());
    assertEquals(50, ((ReplicaWrite) s.sends().get(0).message()).mintByMs(),
        "a write delayed past this is refused, so the write cannot be minted twice");
    s = p.onTimer(100);
    assertEquals(B, s.sends().get(0).to());
  }

  @Test
  void aWriteNoReplicaStoredIsUnavailableAndOneAMinterMayHaveStoredIsIndeterminate() {
    PutCoordinator refused = put(2);
    refused.start(0);
    refused.onReply(A, new ErrorReply(7, ErrorCode.OVERLOADED, "busy"), 1);
    refused.onReply(B, new ErrorReply(7, ErrorCode.STORE_FULL, "full"), 2);
    Step s = refused.onReply(C, new ErrorReply(7, ErrorCode.OVERLOADED, "busy"), 3);
    ErrorReply none = assertInstanceOf(ErrorReply.class, s.reply());
    assertEquals(ErrorCode.OVERLOADED, none.code(), "every minter refused: nothing stored, a definite failure");

    PutCoordinator silent = put(2); // a minter that never answers may have minted all the same
    silent.start(0);
    silent.onTimer(100);
    silent.onReply(B, new ErrorReply(7, ErrorCode.STORE_FULL, "full"), 101);
    Step t = silent.onReply(C, new ErrorReply(7, ErrorCode.STORE_FULL, "full"), 102);
    ErrorReply unknown = assertInstanceOf(ErrorReply.class, t.reply());
    assertEquals(ErrorCode.INDETERMINATE, unknown.code());
    assertTrue(unknown.message().endsWith("the write may be stored on a replica and show up in later reads"),
        unknown.message());
  }

  @Test
  void theDeadlineFailsWithTheCountAndHintsTheReplicasThatDidNotAnswer() {
    PutCoordinator p = put(3).withSloppyQuorum(true);
    p.start(0);
    p.onReply(A, new ReplicaWriteReply(7, true, written("a")), 1);
    p.onReply(B, new ReplicaAck(7), 2);
    Step s = p.onTimer(1000);
    ErrorReply e = assertInstanceOf(ErrorReply.class, s.reply());
    assertEquals(ErrorCode.INDETERMINATE, e.code(), "stored on two replicas: it shows up in later reads");
    assertEquals("2 of 3 required replicas acknowledged; the write may be stored on those replicas and show up in"
        + " later reads", e.message());
    assertEquals(1, s.sends().size());
    assertEquals(A, s.sends().get(0).to(), "the minter keeps the hint");
    assertEquals("d", ((ReplicaMerge) s.sends().get(0).message()).hintFor(), "for the owner c stood in for");
  }

  @Test
  void aGetAnswersAfterRRepliesWithTheMergeAndRepairsStaleReplicas() {
    VersionedObject newer = written("a");
    GetCoordinator g = new GetCoordinator(8, 98, b("k"), ABC, 2, 1000, 1 << 20, v -> new byte[] {1});
    Step s = g.start(0);
    assertEquals(3, s.sends().size());
    assertInstanceOf(ReplicaRead.class, s.sends().get(0).message());
    assertNull(g.onReply(A, new ReplicaReadReply(8, newer), 1).reply());
    GetReply reply = assertInstanceOf(GetReply.class, g.onReply(B, new ReplicaReadReply(8, null), 2).reply());
    assertEquals(1, reply.values().size());
    s = g.onReply(C, new ReplicaReadReply(8, newer), 3);
    assertTrue(s.finished());
    assertEquals(1, s.readRepairs());
    assertEquals(B, s.sends().get(0).to(), "only b lacked the value");
  }

  @Test
  void aGetThatCannotReachRFailsWithTheCount() {
    GetCoordinator g = new GetCoordinator(8, 98, b("k"), ABC, 3, 1000, 1 << 20, v -> new byte[] {1})
        .withSloppyQuorum(true);
    g.start(0);
    g.onReply(A, new ReplicaReadReply(8, null), 1);
    Step s = g.onReply(B, new ErrorReply(8, ErrorCode.OVERLOADED, "busy"), 2);
    assertEquals("1 of 3 required replicas answered (last error: busy)",
        assertInstanceOf(ErrorReply.class, s.reply()).message());
  }

  @Test
  void aStandInsAcknowledgementDoesNotCountTowardW() {
    PutCoordinator p = put(2);
    p.start(0);
    p.onReply(A, new ReplicaWriteReply(7, true, written("a")), 1);
    Step s = p.onReply(C, new ReplicaAck(7), 2);
    assertNull(s.reply(), "c only stands in for d: its copy is a hint, not one of the key's W");
    PutReply reply = assertInstanceOf(PutReply.class, p.onReply(B, new ReplicaAck(7), 3).reply());
    assertEquals(2, reply.acks());
  }

  @Test
  void aWriteAcknowledgedByAnOwnerAndAStandInOnlyIsIndeterminate() {
    PutCoordinator p = put(2);
    p.start(0);
    p.onReply(A, new ReplicaWriteReply(7, true, written("a")), 1);
    p.onReply(C, new ReplicaAck(7), 2);
    Step s = p.onReply(B, new ErrorReply(7, ErrorCode.OVERLOADED, "busy"), 3);
    ErrorReply e = assertInstanceOf(ErrorReply.class, s.reply());
    assertEquals(ErrorCode.INDETERMINATE, e.code());
    assertTrue(e.message().startsWith("1 of 2 required replicas acknowledged"), e.message());
  }

  @Test
  void withFewerReachableOwnersThanWAWriteIsRefusedBeforeAnythingIsStored() {
    List<Replica> oneOwner = List.of(Replica.primary("a", A), Replica.of("b", B, "x"),
        Replica.of("c", C, "y"));
    PutCoordinator p = new PutCoordinator(7, 99, b("k"), null, VersionVector.EMPTY, oneOwner, 2, 1000, 100,
        v -> new byte[] {1});
    Step s = p.start(0);
    assertTrue(s.sends().isEmpty(), "nothing is minted, so nothing can show up later");
    ErrorReply e = assertInstanceOf(ErrorReply.class, s.reply());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals("0 of 2 required replicas acknowledged (only 1 of the key's owners is reachable; stand-ins do not"
        + " count toward W)", e.message());
    assertTrue(s.finished());

    PutCoordinator sloppy = new PutCoordinator(7, 99, b("k"), null, VersionVector.EMPTY, oneOwner, 2, 1000, 100,
        v -> new byte[] {1}).withSloppyQuorum(true);
    assertEquals(A, sloppy.start(0).sends().get(0).to(), "a sloppy quorum mints and counts the stand-ins");
  }

  @Test
  void aGetCountsOnlyOwnersTowardRAndStillMergesWhatAStandInHolds() {
    VersionedObject hinted = written("c");
    GetCoordinator g = new GetCoordinator(8, 98, b("k"), ABC, 2, 1000, 1 << 20, v -> new byte[] {1});
    g.start(0);
    assertNull(g.onReply(A, new ReplicaReadReply(8, null), 1).reply());
    assertNull(g.onReply(C, new ReplicaReadReply(8, hinted), 2).reply(), "a stand-in's answer is not an owner's");
    GetReply reply = assertInstanceOf(GetReply.class, g.onReply(B, new ReplicaReadReply(8, null), 3).reply());
    assertEquals(1, reply.values().size(), "the stand-in's copy is merged in");
    assertEquals(2, reply.replicas());

    GetCoordinator sloppy = new GetCoordinator(8, 98, b("k"), ABC, 2, 1000, 1 << 20, v -> new byte[] {1})
        .withSloppyQuorum(true);
    sloppy.start(0);
    sloppy.onReply(A, new ReplicaReadReply(8, null), 1);
    assertInstanceOf(GetReply.class, sloppy.onReply(C, new ReplicaReadReply(8, hinted), 2).reply());
  }

  @Test
  void aGetWithFewerReachableOwnersThanRFailsAtOnce() {
    List<Replica> oneOwner = List.of(Replica.primary("a", A), Replica.of("b", B, "x"),
        Replica.of("c", C, "y"));
    GetCoordinator g = new GetCoordinator(8, 98, b("k"), oneOwner, 2, 1000, 1 << 20, v -> new byte[] {1});
    Step s = g.start(0);
    assertTrue(s.sends().isEmpty());
    ErrorReply e = assertInstanceOf(ErrorReply.class, s.reply());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals("0 of 2 required replicas answered (only 1 of the key's owners is reachable; stand-ins do not count"
        + " toward R)", e.message());
  }

  @Test
  void whereAnswersAtTheDeadlineWithWhatArrivedAndIgnoresStrangersAndRepeats() {
    WhereCoordinator w = new WhereCoordinator(9, 97, b("k"), ABC, 1000);
    assertEquals(3, w.start(0).sends().size());
    Step s = w.onReply(A, new ReplicaReadReply(9, written("a")), 1);
    assertNull(s.reply());
    w.onReply(A, new ReplicaReadReply(9, null), 2); // a repeat does not replace the first answer
    w.onReply(new Endpoint("stranger", 1), new ReplicaReadReply(9, null), 3);
    w.onReply(B, new ErrorReply(9, ErrorCode.OVERLOADED, "busy"), 4); // not an answer
    s = w.onTimer(1000);
    assertTrue(s.finished());
    var views = assertInstanceOf(io.ringkv.protocol.ClientMessages.WhereReply.class, s.reply()).replicas();
    assertEquals(List.of(true, false, false), views.stream().map(v -> v.answered()).toList());
    assertEquals(1, views.get(0).values().size());
  }

  @Test
  void verifyCountsKeysOffTheirOwnersAcrossTheNodesLists() {
    List<VerifyCoordinator.Member> members = List.of(new VerifyCoordinator.Member("a", A),
        new VerifyCoordinator.Member("b", B), new VerifyCoordinator.Member("c", C));
    // token 1 belongs to a and b, token 2 to b and c, token 3 to a and c
    java.util.Map<Long, List<String>> owners = java.util.Map.of(1L, List.of("a", "b"), 2L, List.of("b", "c"),
        3L, List.of("a", "c"));
    VerifyCoordinator v = new VerifyCoordinator(10, 96, members, 2, 100, 1000, (t, n) -> owners.get(t));
    v.start(0);
    v.onReply(A, tokens(10, 1, 3), 1);  // right
    v.onReply(B, tokens(10, 1, 2, 3), 2); // 3 is misplaced on b
    Step s = v.onReply(C, tokens(10), 3);  // c lacks 2 and 3
    io.ringkv.protocol.ClientMessages.VerifyReply r =
        assertInstanceOf(io.ringkv.protocol.ClientMessages.VerifyReply.class, s.reply());
    assertEquals(3, r.keys());
    assertEquals(2, r.underReplicated(), "2 has one owner, 3 has one owner");
    assertEquals(1, r.misplaced());
    assertTrue(r.unanswered().isEmpty());
  }

  @Test
  void verifyDoesNotWaitForAMemberThatIsDownAndNamesItUnanswered() {
    List<VerifyCoordinator.Member> members = List.of(new VerifyCoordinator.Member("a", A),
        new VerifyCoordinator.Member("b", B), new VerifyCoordinator.Member("c", C));
    java.util.Map<Long, List<String>> owners = java.util.Map.of(1L, List.of("a", "b"));
    VerifyCoordinator v = new VerifyCoordinator(10, 96, members, java.util.Set.of("c"), 2, 100, 60_000,
        (t, n) -> owners.get(t));
    Step start = v.start(0);
    assertEquals(List.of(A, B), start.sends.stream().map(Step.Send::to).toList(), "c is not asked");
    v.onReply(A, tokens(10, 1), 1);
    Step s = v.onReply(B, tokens(10, 1), 2);
    io.ringkv.protocol.ClientMessages.VerifyReply r =
        assertInstanceOf(io.ringkv.protocol.ClientMessages.VerifyReply.class, s.reply(), "answered at 2 ms, not 60 s");
    assertEquals(List.of("c"), r.unanswered());
    assertEquals(1, r.keys());
    assertEquals(0, r.underReplicated());
  }

  private static io.ringkv.internode.ReplicaMessages.KeyTokensReply tokens(long id, long... tokens) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(tokens.length * Long.BYTES);
    for (long t : tokens) {
      b.putLong(t);
    }
    return new io.ringkv.internode.ReplicaMessages.KeyTokensReply(id, b.array(), false);
  }
}
