package io.ringkv.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class MembershipViewProperties {

  @Provide
  Arbitrary<MembershipView> views() {
    // few ids and small version ranges, so that views collide on members and on exact (gen, version)
    Arbitrary<Member> member = Combinators.combine(
            Arbitraries.of("a", "b", "c", "d"),
            Arbitraries.of(7000, 7001),
            Arbitraries.longs().between(-5, 5).set().ofMaxSize(3),
            Arbitraries.of(MemberStatus.class),
            Arbitraries.longs().between(0, 2),
            Arbitraries.longs().between(0, 2),
            Arbitraries.longs().between(0, 2),
            Arbitraries.of("", "leaving: 42%", "leaving: 43%"))
        .as((id, port, tokens, status, gen, ver, stateVer, activity) -> new Member(id, new Endpoint("10.0.0.1", port),
            new ArrayList<>(new TreeSet<>(tokens)), status, gen, ver, Math.min(ver, stateVer), activity));
    return member.list().ofMaxSize(6).map(MembershipView::of);
  }

  @Property
  void mergeIsCommutative(@ForAll("views") MembershipView x, @ForAll("views") MembershipView y) {
    assertEquals(x.merge(y), y.merge(x));
  }

  @Property
  void mergeIsAssociative(
      @ForAll("views") MembershipView x, @ForAll("views") MembershipView y, @ForAll("views") MembershipView z) {
    assertEquals(x.merge(y).merge(z), x.merge(y.merge(z)));
  }

  @Property
  void mergeIsIdempotent(@ForAll("views") MembershipView x, @ForAll("views") MembershipView y) {
    assertEquals(x, x.merge(x));
    assertEquals(x.merge(y), x.merge(y).merge(y));
  }

  @Property
  void mergeKeepsTheHighestGenerationAndVersion(@ForAll("views") MembershipView x, @ForAll("views") MembershipView y) {
    MembershipView m = x.merge(y);
    for (Member kept : m.members()) {
      for (MembershipView side : List.of(x, y)) {
        side.get(kept.id()).ifPresent(other -> assertTrue(
            Member.compareVersions(kept.generation(), kept.version(), other.generation(), other.version()) >= 0));
      }
    }
    assertEquals(new TreeSet<>(unionIds(x, y)), new TreeSet<>(m.asMap().keySet()));
  }

  private static List<String> unionIds(MembershipView x, MembershipView y) {
    List<String> ids = new ArrayList<>(x.asMap().keySet());
    ids.addAll(y.asMap().keySet());
    return ids;
  }

  @Test
  void higherGenerationWinsOverAnyVersion() {
    Endpoint e = new Endpoint("h", 1);
    Member old = new Member("a", e, List.of(), MemberStatus.UP, 5, 1_000_000);
    Member restarted = new Member("a", e, List.of(), MemberStatus.JOINING, 6, 0);
    assertEquals(restarted, MembershipView.of(old).with(restarted).get("a").orElseThrow());
    assertEquals(restarted, MembershipView.of(restarted).with(old).get("a").orElseThrow());
  }

  @Test
  void viewRefusesToGrowBeyondMaxMembers() {
    List<Member> many = new ArrayList<>();
    for (int i = 0; i < MembershipView.MAX_MEMBERS; i++) {
      many.add(new Member("n" + i, new Endpoint("h", 1 + i), List.of(), MemberStatus.UP, 0, 0));
    }
    MembershipView full = MembershipView.of(many);
    assertEquals(MembershipView.MAX_MEMBERS, full.size());
    Member extra = new Member("extra", new Endpoint("h", 9999), List.of(), MemberStatus.UP, 0, 0);
    MembershipFullException e = assertThrows(MembershipFullException.class, () -> full.with(extra));
    assertTrue(e.getMessage().contains("MAX_MEMBERS=1024"), e.getMessage());
    // updating an existing member still works at the bound
    assertEquals(1, full.with(many.get(0).bumped()).get("n0").orElseThrow().version());
  }

  @Test
  void memberValidatesTokensAndBounds() {
    Endpoint e = new Endpoint("h", 1);
    assertThrows(IllegalArgumentException.class, () -> new Member("a", e, List.of(2L, 1L), MemberStatus.UP, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Member("a", e, List.of(1L, 1L), MemberStatus.UP, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Member("", e, List.of(), MemberStatus.UP, 0, 0));
    List<Long> tooMany = new ArrayList<>();
    for (long i = 0; i <= Member.MAX_TOKENS; i++) {
      tooMany.add(i);
    }
    assertThrows(IllegalArgumentException.class, () -> new Member("a", e, tooMany, MemberStatus.UP, 0, 0));
    assertEquals(List.of(1L, 2L, 3L), Member.of("a", e, List.of(3L, 1L, 2L), MemberStatus.UP, 0).tokens());
  }

  @Test
  void memberValidatesActivity() {
    Endpoint e = new Endpoint("h", 1);
    String longest = "x".repeat(Member.MAX_ACTIVITY_LENGTH);
    assertEquals(longest, new Member("a", e, List.of(), MemberStatus.UP, 0, 0, 0, longest).activity());
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> new Member("a", e, List.of(), MemberStatus.UP, 0, 0, 0, longest + "x"));
    assertTrue(tooLong.getMessage().contains("MAX_ACTIVITY_LENGTH"), tooLong.getMessage());
    IllegalArgumentException twoLines = assertThrows(IllegalArgumentException.class,
        () -> new Member("a", e, List.of(), MemberStatus.UP, 0, 0, 0, "one\ntwo"));
    assertTrue(twoLines.getMessage().contains("index 3"), twoLines.getMessage());
    assertThrows(NullPointerException.class, () -> new Member("a", e, List.of(), MemberStatus.UP, 0, 0, 0, null));
  }

  @Test
  void anActivityChangeIsAHeavyStateChangeThatWinsTheMerge() {
    Member idle = Member.of("a", new Endpoint("h", 1), List.of(1L), MemberStatus.LEAVING, 3).bumped().bumped();
    Member busy = idle.withActivity("leaving: 10%");
    assertEquals(List.of(idle.version() + 1, idle.version() + 1), List.of(busy.version(), busy.stateVersion()));
    assertEquals(MemberStatus.LEAVING, busy.status());
    assertEquals(busy, MembershipView.of(idle).with(busy).get("a").orElseThrow());
    assertTrue(!busy.heavyStateMatches(idle.digest()), "a peer holding the idle state is sent the whole state");
    assertEquals("leaving: 10%", busy.bumped().withStatus(MemberStatus.UP).activity(), "kept across other changes");
    // same (generation, version, stateVersion, status, endpoint, tokens): the activity alone breaks the tie
    Member other = new Member("a", busy.endpoint(), busy.tokens(), busy.status(), busy.generation(), busy.version(),
        busy.stateVersion(), "leaving: 11%");
    assertEquals(MembershipView.of(busy, other), MembershipView.of(other, busy));
    assertEquals("leaving: 11%", MembershipView.of(busy, other).get("a").orElseThrow().activity());
  }
}
