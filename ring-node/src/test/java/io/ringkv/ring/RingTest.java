package io.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.gossip.MembershipView;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RingTest {
  static Member member(String id, MemberStatus status, Long... tokens) {
    return Member.of(id, new Endpoint(id + ".test", 7000), List.of(tokens), status, 1);
  }

  /** a:100 b:200 c:300 d:400, all UP. */
  private final Ring abcd = Ring.of(List.of(
      member("a", MemberStatus.UP, 100L), member("b", MemberStatus.UP, 200L),
      member("c", MemberStatus.UP, 300L), member("d", MemberStatus.UP, 400L)));

  private static List<String> ids(List<Replica> replicas) {
    return replicas.stream().map(Replica::nodeId).toList();
  }

  @Test
  void primariesAreTheNextDistinctNodesClockwiseAndWrap() {
    assertEquals(List.of("b", "c", "d"), abcd.owners(150, 3));
    assertEquals(List.of("b", "c", "d"), abcd.owners(200, 3), "a token is owned by the node holding it");
    assertEquals(List.of("a", "b", "c"), abcd.owners(450, 3), "past the last token the ring wraps");
    assertEquals(List.of("a", "b", "c"), abcd.owners(Long.MIN_VALUE, 3));
    assertEquals(List.of("c", "d", "a", "b"), abcd.owners(201, 9), "n larger than the ring gives every node");
    assertEquals("a", abcd.primaryOwner(Long.MAX_VALUE));
  }

  @Test
  void aDownPrimaryIsReplacedByTheNextAliveNodeWithAHint() {
    PreferenceList p = abcd.preferenceList(150, 3, id -> !id.equals("c"));
    assertEquals(List.of("b", "c", "d"), ids(p.primaries()));
    assertEquals(List.of("b", "d", "a"), ids(p.replicas()));
    Replica fallback = p.replicas().get(2);
    assertEquals(Replica.Role.FALLBACK, fallback.role());
    assertEquals("c", fallback.hintFor());
    assertEquals(new Endpoint("a.test", 7000), fallback.endpoint());
    assertEquals(List.of("c"), ids(p.unavailablePrimaries()));
    assertEquals(List.of(fallback), p.fallbacks());
    assertFalse(p.allPrimariesAlive());
  }

  @Test
  void withTooFewAliveNodesSomeDownPrimariesHaveNoStandIn() {
    PreferenceList p = abcd.preferenceList(150, 3, id -> id.equals("b"));
    assertEquals(List.of("b"), ids(p.replicas()), "a is down too: no fallback exists");
    assertEquals(List.of("c", "d"), ids(p.unavailablePrimaries()));
    PreferenceList q = abcd.preferenceList(150, 3, id -> id.equals("b") || id.equals("a"));
    assertEquals(List.of("b", "a"), ids(q.replicas()));
    assertEquals("c", q.replicas().get(1).hintFor(), "fallbacks serve down primaries in ring order");
  }

  @Test
  void onlyUpAndLeavingMembersOwnTokens() {
    Ring ring = Ring.of(MembershipView.of(
        member("a", MemberStatus.UP, 100L), member("b", MemberStatus.JOINING, 200L),
        member("c", MemberStatus.LEAVING, 300L), member("d", MemberStatus.LEFT, 400L),
        member("e", MemberStatus.REMOVED, 500L)));
    assertEquals(List.of("a", "c"), ring.nodeIds());
    assertEquals(List.of("c", "a"), ring.owners(150, 3));
    assertFalse(ring.isOwner("b"));
  }

  @Test
  void aTokenClaimedTwiceGoesToTheSmallerIdOnEveryNode() {
    Ring r1 = Ring.of(List.of(member("b", MemberStatus.UP, 100L, 300L), member("a", MemberStatus.UP, 100L, 200L)));
    Ring r2 = Ring.of(List.of(member("a", MemberStatus.UP, 100L, 200L), member("b", MemberStatus.UP, 100L, 300L)));
    assertEquals(r1, r2);
    assertEquals(3, r1.tokenCount());
    assertEquals("a", r1.primaryOwner(100));
    assertEquals(List.of(300L), r1.tokensOf("b"));
  }

  @Test
  void ownershipIsTheArcsEndingAtEachNodesTokens() {
    // tokens -2^62, 0, 2^62 owned by x, y, x: y owns (-2^62, 0] = 1/4 of the ring
    long q = 1L << 62;
    Ring ring = Ring.of(List.of(member("x", MemberStatus.UP, -q, q), member("y", MemberStatus.UP, 0L)));
    assertEquals(0.75, ring.ownership().get("x"), 1e-12);
    assertEquals(0.25, ring.ownership().get("y"), 1e-12);
    Ring single = Ring.of(List.of(member("x", MemberStatus.UP, 5L)));
    assertEquals(1.0, single.ownership().get("x"));
    TokenRange whole = single.ranges(3).get(0);
    assertTrue(whole.contains(5) && whole.contains(Long.MIN_VALUE) && whole.contains(6));
    assertEquals(1.0, whole.fraction());
  }

  @Test
  void rangesOfANodeAreTheArcsItReplicates() {
    // with n=2, c replicates (100,200] (b,c), (200,300] (c,d) ... its own arc and its predecessor's
    List<TokenRange> ranges = abcd.rangesOf("c", 2);
    assertEquals(List.of(new TokenRange(100, 200, List.of("b", "c")), new TokenRange(200, 300, List.of("c", "d"))),
        ranges);
    assertEquals(List.of(new TokenRange(400, 100, List.of("a"))), abcd.primaryRangesOf("a"));
    TokenRange wrap = abcd.primaryRangesOf("a").get(0);
    assertTrue(wrap.contains(Long.MAX_VALUE) && wrap.contains(100) && !wrap.contains(400) && !wrap.contains(101));
    assertEquals(List.of(), abcd.rangesOf("zz", 2));
  }

  @Test
  void emptyRingAndBadArguments() {
    Ring empty = Ring.of(List.of(member("a", MemberStatus.JOINING, 1L)));
    assertTrue(empty.isEmpty());
    assertEquals(List.of(), empty.preferenceList(new byte[] {1}, 3, id -> true).replicas());
    assertThrows(IllegalStateException.class, () -> empty.primaryOwner(0));
    assertThrows(IllegalArgumentException.class, () -> abcd.owners(0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Ring.of(List.of(member("a", MemberStatus.UP, 1L), member("a", MemberStatus.UP, 2L))));
    assertThrows(IllegalArgumentException.class,
        () -> new Replica("a", new Endpoint("h", 1), Replica.Role.FALLBACK, null));
  }

  @Test
  void tokenAllocatorAvoidsTakenTokensAndIsSeeded() {
    List<Long> first = TokenAllocator.allocate(8, Set.of(), new java.util.Random(3));
    assertEquals(first, TokenAllocator.allocate(8, Set.of(), new java.util.Random(3)));
    assertEquals(8, first.size());
    for (int i = 1; i < first.size(); i++) {
      assertTrue(first.get(i - 1) < first.get(i));
    }
    // the same generator with its first two draws taken must skip them
    List<Long> draws = List.of(new java.util.Random(3).nextLong(), nextLongs(3, 2).get(1));
    List<Long> avoided = TokenAllocator.allocate(8, Set.copyOf(draws), new java.util.Random(3));
    assertEquals(8, avoided.size());
    assertTrue(avoided.stream().noneMatch(draws::contains));
    assertThrows(IllegalArgumentException.class, () -> TokenAllocator.allocate(0, Set.of(), new java.util.Random(1)));
    assertThrows(IllegalArgumentException.class,
        () -> TokenAllocator.allocate(TokenAllocator.MAX_VNODES + 1, Set.of(), new java.util.Random(1)));
  }

  private static List<Long> nextLongs(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    List<Long> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(r.nextLong());
    }
    return out;
  }
}
