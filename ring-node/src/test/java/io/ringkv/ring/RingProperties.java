package io.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RingProperties {

  /** {@code nodes} UP members n0..n(k-1) with {@code vnodes} random tokens each, from {@code seed}. */
  static List<Member> cluster(int nodes, int vnodes, long seed) {
    Random random = new Random(seed);
    Set<Long> taken = new HashSet<>();
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      List<Long> tokens = TokenAllocator.allocate(vnodes, taken, random);
      taken.addAll(tokens);
      out.add(Member.of("n" + i, new Endpoint("10.0.0." + (i + 1), 7000), tokens, MemberStatus.UP, 1));
    }
    return out;
  }

  private static Predicate<String> aliveExcept(Set<String> down) {
    return id -> !down.contains(id);
  }

  private static Set<String> downSet(int nodes, long mask) {
    Set<String> down = new HashSet<>();
    for (int i = 0; i < nodes; i++) {
      if ((mask >>> i & 1) == 1) {
        down.add("n" + i);
      }
    }
    return down;
  }

  /** Independent reference: nodes ordered by the clockwise distance from the token to their nearest token. */
  private static List<String> referencePrimaries(List<Member> members, long token, int n) {
    List<Member> sorted = new ArrayList<>(members);
    sorted.sort(Comparator.comparing((Member m) -> distance(m, token), Long::compareUnsigned)
        .thenComparing(Member::id));
    return sorted.stream().limit(n).map(Member::id).toList();
  }

  private static long distance(Member m, long token) {
    long best = -1; // unsigned max
    for (long t : m.tokens()) {
      long d = t - token; // clockwise distance modulo 2^64
      if (Long.compareUnsigned(d, best) < 0) {
        best = d;
      }
    }
    return best;
  }

  @Property(tries = 300)
  void preferenceListsAreDistinctCompleteAndMatchTheReference(
      @ForAll @IntRange(min = 1, max = 12) int nodes,
      @ForAll @IntRange(min = 1, max = 16) int vnodes,
      @ForAll @IntRange(min = 1, max = 5) int n,
      @ForAll long seed,
      @ForAll long downMask,
      @ForAll @Size(max = 40) byte[] key) {
    List<Member> members = cluster(nodes, vnodes, seed);
    Ring ring = Ring.of(members);
    Set<String> down = downSet(nodes, downMask);
    PreferenceList p = ring.preferenceList(key, n, aliveExcept(down));

    List<String> primaries = p.primaries().stream().map(Replica::nodeId).toList();
    assertEquals(Math.min(n, nodes), primaries.size());
    assertEquals(primaries.size(), new HashSet<>(primaries).size(), "primaries distinct");
    assertEquals(referencePrimaries(members, KeyHash.token(key), n), primaries);
    assertEquals(ring.owners(key, n), primaries);

    List<String> replicas = p.replicas().stream().map(Replica::nodeId).toList();
    assertEquals(replicas.size(), new HashSet<>(replicas).size(), "replicas distinct");
    long alivePrimaries = primaries.stream().filter(id -> !down.contains(id)).count();
    long aliveOthers = nodes - primaries.size() - down.stream().filter(id -> !primaries.contains(id)).count();
    assertEquals(alivePrimaries + Math.min(primaries.size() - alivePrimaries, aliveOthers), replicas.size());

    List<String> unavailable = p.unavailablePrimaries().stream().map(Replica::nodeId).toList();
    assertEquals(primaries.stream().filter(down::contains).toList(), unavailable);
    int k = 0;
    for (Replica r : p.replicas()) {
      assertFalse(down.contains(r.nodeId()), "never a down replica");
      if (r.isFallback()) {
        assertFalse(primaries.contains(r.nodeId()), "a fallback is never a primary");
        assertEquals(unavailable.get(k++), r.hintFor(), "fallbacks stand in for down primaries in order");
      } else {
        assertNull(r.hintFor());
      }
    }
  }

  @Property(tries = 100)
  void theRingIsAValueOfTheMembersNotOfTheirOrder(
      @ForAll @IntRange(min = 1, max = 10) int nodes, @ForAll @IntRange(min = 1, max = 8) int vnodes,
      @ForAll long seed, @ForAll long token) {
    List<Member> members = cluster(nodes, vnodes, seed);
    List<Member> shuffled = new ArrayList<>(members);
    Collections.shuffle(shuffled, new Random(seed));
    Ring a = Ring.of(members);
    Ring b = Ring.of(shuffled);
    assertEquals(a, b);
    assertEquals(a.preferenceList(token, 3, id -> !id.equals("n0")), b.preferenceList(token, 3, id -> !id.equals("n0")));
  }

  @Property(tries = 200)
  void addingANodeMovesKeysOnlyToTheNewNode(
      @ForAll @IntRange(min = 1, max = 10) int nodes, @ForAll @IntRange(min = 1, max = 16) int vnodes,
      @ForAll @IntRange(min = 1, max = 4) int n, @ForAll long seed, @ForAll long token) {
    List<Member> members = cluster(nodes + 1, vnodes, seed);
    Ring before = Ring.of(members.subList(0, nodes));
    Ring after = Ring.of(members);
    String added = members.get(nodes).id();
    List<String> old = before.owners(token, n);
    List<String> now = after.owners(token, n);
    for (String owner : now) {
      assertTrue(owner.equals(added) || old.contains(owner), owner + " gained " + token);
    }
    if (!now.contains(added)) {
      assertEquals(old, now, "a key the new node does not replicate keeps its replicas");
    }
  }

  @Property(tries = 100)
  void rangesTileTheRingAndAgreeWithOwners(
      @ForAll @IntRange(min = 1, max = 8) int nodes, @ForAll @IntRange(min = 1, max = 8) int vnodes,
      @ForAll @IntRange(min = 1, max = 4) int n, @ForAll long seed, @ForAll long token) {
    Ring ring = Ring.of(cluster(nodes, vnodes, seed));
    List<TokenRange> ranges = ring.ranges(n);
    List<TokenRange> containing = ranges.stream().filter(r -> r.contains(token)).toList();
    assertEquals(1, containing.size(), "exactly one range holds each token");
    assertEquals(ring.owners(token, n), containing.get(0).replicas());
    assertEquals(1.0, ranges.stream().mapToDouble(TokenRange::fraction).sum(), 1e-9);
    Map<String, Double> ownership = ring.ownership();
    assertEquals(1.0, ownership.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    for (String id : ring.nodeIds()) {
      double primary = ring.primaryRangesOf(id).stream().mapToDouble(TokenRange::fraction).sum();
      assertEquals(ownership.get(id), primary, 1e-9);
      assertEquals(ring.rangesOf(id, n).stream().anyMatch(r -> r.contains(token)),
          ring.owners(token, n).contains(id));
    }
  }
}
