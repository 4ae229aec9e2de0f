package io.ringkv.storage.causality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.storage.causality.ReplicaHistory.Step;
import io.ringkv.storage.codec.RecordCodec;
import io.ringkv.storage.codec.StorageKryo;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The algebra of {@link VersionedObject} (DVVSet semantics plus superseded write ids), checked on
 * histories replayed by {@link ReplicaHistory}: several replicas coordinating writes with contexts clients
 * read earlier, clients retrying writes through another replica (two copies of one write), and replicas
 * merging with each other in any order, compacting what they store or not. A failure prints the history
 * (jqwik prints the seed).
 */
class VersionedObjectProperties {

  /**
   * Histories of up to 4 replicas and 40 steps: enough for siblings, overwrites, deletes, re-merges,
   * retried writes, and more superseded writes than an object remembers.
   */
  @Provide
  Arbitrary<ReplicaHistory> histories() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.integers().between(0, ReplicaHistory.KINDS - 1),
        Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, 7),
        Arbitraries.integers().between(0, 63)).as(Step::new);
    Arbitrary<List<Step>> steps = step.list().ofMinSize(1).ofMaxSize(40);
    return Combinators.combine(Arbitraries.integers().between(2, 4), steps).as(ReplicaHistory::replay);
  }

  /** Three objects that occurred in one history (any replica, any time). */
  private static List<VersionedObject> pick3(ReplicaHistory h, long seed) {
    Random r = new Random(seed);
    List<VersionedObject> all = h.allObjects;
    return List.of(all.get(r.nextInt(all.size())), all.get(r.nextInt(all.size())), all.get(r.nextInt(all.size())));
  }

  @Property(tries = 400)
  void mergeIsCommutative(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    List<VersionedObject> o = pick3(h, seed);
    assertEquals(o.get(0).merge(o.get(1)), o.get(1).merge(o.get(0)), h.toString());
  }

  @Property(tries = 400)
  void mergeIsAssociative(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    List<VersionedObject> o = pick3(h, seed);
    assertEquals(o.get(0).merge(o.get(1)).merge(o.get(2)), o.get(0).merge(o.get(1).merge(o.get(2))), h.toString());
  }

  /**
   * Associativity on every ordered triple of the replicas' states and their earlier objects: the triples
   * where it breaks are rare among random picks (a copy of a write, a replica that superseded it, and one
   * whose newer superseded writes push the id out of the bounded set: merging the last two first forgets
   * the id before the copy is met), and dropping hidden copies inside merge fails here.
   */
  @Property(tries = 300)
  void mergeIsAssociativeOnEveryTripleOfReplicaStates(@ForAll("histories") ReplicaHistory h) {
    List<VersionedObject> objects = new ArrayList<>(List.of(h.states));
    for (int i = h.allObjects.size() - 1; i >= 0 && objects.size() < 8; i -= 3) {
      objects.add(h.allObjects.get(i));
    }
    for (VersionedObject a : objects) {
      for (VersionedObject b : objects) {
        for (VersionedObject c : objects) {
          assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)), h + "\nA=" + a + "\nB=" + b + "\nC=" + c);
        }
      }
    }
  }

  @Property(tries = 400)
  void mergeIsIdempotent(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    List<VersionedObject> o = pick3(h, seed);
    VersionedObject ab = o.get(0).merge(o.get(1));
    assertEquals(o.get(0), o.get(0).merge(o.get(0)));
    assertEquals(ab, ab.merge(o.get(1)), h.toString());
    assertEquals(ab, ab.merge(o.get(0)), h.toString());
    assertTrue(ab.subsumes(o.get(0)) && ab.subsumes(o.get(1)));
  }

  @Property(tries = 400)
  void aWriteRemovesExactlyTheSiblingsItsContextHasSeen(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    Random r = new Random(seed);
    VersionedObject base = h.allObjects.get(r.nextInt(h.allObjects.size()));
    VersionVector ctx = h.readContexts.isEmpty() ? base.context() : h.readContexts.get(r.nextInt(h.readContexts.size()));
    String node = ReplicaHistory.node(r.nextInt(h.replicas + 1));
    long now = h.clockMs + 1;
    VersionedObject next = base.write(ctx, new byte[] {42}, node, now);
    Dot minted = next.newestDotOf(node);

    // DVV: every sibling the context has not seen stays, unless it is a copy of a superseded write
    Set<Sibling> expected = new HashSet<>();
    Set<Long> replacedIds = new HashSet<>();
    for (Sibling s : base.allSiblings()) {
      if (!ctx.covers(s.dot())) {
        if (!next.isSuperseded(s.writeId())) {
          expected.add(s);
        }
      } else if (s.writeId() != 0) {
        replacedIds.add(s.writeId());
      }
    }
    expected.add(new Sibling(minted, new byte[] {42}, now));
    assertEquals(expected, new HashSet<>(next.allSiblings()), h + "\nwrite with " + ctx + " on " + base);
    assertEquals(next.allSiblings(), next.siblings(), "a write leaves no hidden sibling: " + next);
    // ... and the writes it replaced are remembered (at the newest time, so only the count can cut them)
    if (replacedIds.size() <= VersionedObject.SUPERSEDED_MAX) {
      for (long id : replacedIds) {
        assertTrue(next.isSuperseded(id), "replaced write " + id + " not remembered: " + next);
      }
    }
    assertFalse(base.context().covers(minted), "minted dot " + minted + " was already seen by " + base.context());
    assertFalse(ctx.covers(minted), "minted dot " + minted + " was already seen by the client context " + ctx);
    assertTrue(next.context().descends(base.context()) && next.context().descends(ctx));
  }

  @Property(tries = 400)
  void aBlindWriteNeverRemovesASibling(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    Random r = new Random(seed);
    VersionedObject base = h.allObjects.get(r.nextInt(h.allObjects.size()));
    VersionedObject next = base.write(VersionVector.EMPTY, new byte[] {1}, ReplicaHistory.node(r.nextInt(h.replicas)), 1);
    assertTrue(next.siblings().containsAll(base.siblings()), h.toString());
    assertEquals(base.siblings().size() + 1, next.siblings().size());
  }

  @Property(tries = 400)
  void aDeleteWithTheLatestContextLeavesOnlyATombstone(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    int r = new Random(seed).nextInt(h.replicas);
    VersionedObject latest = h.converged();
    VersionedObject deleted = h.states[r].write(latest.context(), null, ReplicaHistory.node(r), 99);
    assertEquals(1, deleted.siblings().size(), h.toString());
    assertTrue(deleted.isTombstoned());
    // ... and once the replicas exchange objects, the key stays deleted everywhere
    for (VersionedObject s : h.states) {
      assertTrue(s.merge(deleted).isTombstoned(), h.toString());
      assertTrue(deleted.merge(latest).isTombstoned(), h.toString());
    }
  }

  @Property(tries = 400)
  void mergeLosesNoSiblingTheOtherSideHasNotSeenAndDropped(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    List<VersionedObject> o = pick3(h, seed);
    VersionedObject a = o.get(0);
    VersionedObject b = o.get(1);
    VersionedObject m = a.merge(b);
    Set<Sibling> expected = new HashSet<>();
    Set<Long> dropped = new HashSet<>();
    for (Sibling s : a.allSiblings()) {
      if (!seenAndDropped(b, s.dot())) {
        expected.add(s);
      } else if (s.writeId() != 0) {
        dropped.add(s.writeId());
      }
    }
    for (Sibling s : b.allSiblings()) {
      if (!seenAndDropped(a, s.dot())) {
        expected.add(s);
      } else if (s.writeId() != 0) {
        dropped.add(s.writeId());
      }
    }
    assertEquals(expected, new HashSet<>(m.allSiblings()), h + "\nA=" + a + "\nB=" + b);
    assertEquals(a.context().join(b.context()), m.context());
    // a reader sees exactly the kept siblings of writes not superseded
    for (Sibling s : m.allSiblings()) {
      assertEquals(!m.isSuperseded(s.writeId()), m.siblings().contains(s), s + " in " + m);
    }
    // the superseded set is the union, plus the writes whose copies the merge dropped, cut to its bound
    Map<Long, Long> union = new HashMap<>();
    for (VersionedObject x : List.of(a, b)) {
      for (SupersededWrite w : x.superseded()) {
        union.merge(w.writeId(), w.atMs(), Math::max);
      }
    }
    for (Sibling s : a.allSiblings()) {
      if (dropped.contains(s.writeId()) && seenAndDropped(b, s.dot())) {
        union.merge(s.writeId(), s.writtenAtMs(), Math::max);
      }
    }
    for (Sibling s : b.allSiblings()) {
      if (dropped.contains(s.writeId()) && seenAndDropped(a, s.dot())) {
        union.merge(s.writeId(), s.writtenAtMs(), Math::max);
      }
    }
    assertEquals(VersionedObject.bounded(union), m.superseded(), h + "\nA=" + a + "\nB=" + b);
  }

  private static boolean seenAndDropped(VersionedObject o, Dot d) {
    if (!o.context().covers(d)) {
      return false;
    }
    for (Sibling s : o.allSiblings()) {
      if (s.dot().equals(d)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The promise end to end: after a full exchange, a reader sees exactly the copies of the writes no later
   * write replaced, by dot (DVV) or by id (another copy of the same write). When the superseded sets may
   * have had to forget an id, a copy of a write replaced by id only may show, and nothing else changes.
   */
  @Property(tries = 600)
  void convergedStateHoldsExactlyTheWritesNoLaterWriteSaw(@ForAll("histories") ReplicaHistory h) {
    VersionedObject converged = h.converged();
    Set<Dot> present = new HashSet<>();
    for (Sibling s : converged.siblings()) {
      present.add(s.dot());
      ReplicaHistory.Write w = h.writes.get(s.dot());
      assertEquals(new Sibling(w.dot(), w.value(), w.atMs(), w.writeId()), s, "sibling differs from its write");
    }
    if (!h.mayHaveForgotten()) {
      assertEquals(h.survivors(), present, h + "\nconverged: " + converged);
    } else {
      assertTrue(present.containsAll(h.survivors()), h + "\nconverged: " + converged);
      assertTrue(h.notCovered().containsAll(present), h + "\nconverged: " + converged);
    }
    // the histories must exercise what the property is about, not just empty objects
    Statistics.label("concurrent siblings").collect(converged.siblings().size() >= 2);
    Statistics.label("superseded writes").collect(!h.superseded.isEmpty());
    Statistics.label("siblings kept through a context write").collect(keptThroughContextWrite(h));
    Statistics.label("a second copy of a write, replaced by id").collect(strayCopyReplacedById(h));
    Statistics.label("ids may have been forgotten").collect(h.mayHaveForgotten());
    Statistics.label("concurrent siblings").coverage(c -> c.check(true).percentage(p -> p >= 15));
    Statistics.label("superseded writes").coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("siblings kept through a context write").coverage(c -> c.check(true).percentage(p -> p >= 5));
    Statistics.label("a second copy of a write, replaced by id").coverage(c -> c.check(true).percentage(p -> p >= 5));
    Statistics.label("ids may have been forgotten").coverage(c -> c.check(true).percentage(p -> p >= 5));
    Statistics.label("ids may have been forgotten").coverage(c -> c.check(false).percentage(p -> p >= 30));
  }

  /** True when a copy no context covered belongs to a write another copy of which was replaced. */
  private static boolean strayCopyReplacedById(ReplicaHistory h) {
    for (Dot d : h.notCovered()) {
      long id = h.writes.get(d).writeId();
      if (id != 0 && h.supersededIds.contains(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Two objects of the history that hold different copies of one write (a write retried through a second
   * minter), or null when the history has none.
   */
  private static VersionedObject[] copiesApart(ReplicaHistory h, Random r) {
    List<VersionedObject[]> pairs = new ArrayList<>();
    for (VersionedObject a : h.allObjects) {
      for (VersionedObject b : h.allObjects) {
        if (holdDifferentCopies(a, b)) {
          pairs.add(new VersionedObject[] {a, b});
        }
      }
    }
    return pairs.isEmpty() ? null : pairs.get(r.nextInt(pairs.size()));
  }

  /** Objects a, b of the history: a lists a write as superseded, b holds a copy of it a has not seen. */
  private static VersionedObject[] supersededAndCopy(ReplicaHistory h, Random r) {
    List<VersionedObject[]> pairs = new ArrayList<>();
    for (VersionedObject a : h.allObjects) {
      for (VersionedObject b : h.allObjects) {
        for (Sibling t : b.allSiblings()) {
          if (a.isSuperseded(t.writeId()) && !a.context().covers(t.dot())) {
            pairs.add(new VersionedObject[] {a, b});
            break;
          }
        }
      }
    }
    return pairs.isEmpty() ? null : pairs.get(r.nextInt(pairs.size()));
  }

  private static boolean holdDifferentCopies(VersionedObject a, VersionedObject b) {
    for (Sibling s : a.allSiblings()) {
      for (Sibling t : b.allSiblings()) {
        if (s.writeId() != 0 && s.writeId() == t.writeId() && !s.dot().equals(t.dot()) && !a.context().covers(t.dot())) {
          return true;
        }
      }
    }
    return false;
  }

  /** True when some write carried a non-empty context and a concurrent sibling survived it. */
  private static boolean keptThroughContextWrite(ReplicaHistory h) {
    for (ReplicaHistory.Write w : h.writes.values()) {
      if (!w.clientContext().isEmpty()) {
        for (Dot d : h.writes.keySet()) {
          if (!d.equals(w.dot()) && !w.clientContext().covers(d) && !h.superseded.contains(d)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @Property(tries = 400)
  void replicasExchangingObjectsInAnyOrderConverge(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    Random random = new Random(seed);
    VersionedObject[] replicas = h.states.clone();
    // random pairwise exchanges (some repeated), then two ring passes so every state reaches every replica
    for (int i = 0; i < 3 * replicas.length; i++) {
      int to = random.nextInt(replicas.length);
      int from = random.nextInt(replicas.length);
      replicas[to] = replicas[to].merge(replicas[from]);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < replicas.length; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < order.size(); i++) {
        int to = order.get((i + 1) % order.size());
        replicas[to] = replicas[to].merge(replicas[order.get(i)]);
      }
    }
    for (VersionedObject r : replicas) {
      assertEquals(h.converged(), r, h.toString());
    }
  }

  /**
   * The storage engines compact what they store, at different times on different replicas; compaction is
   * an inflation, so replicas that keep exchanging still reach one state, showing what the pure merge
   * shows (unless an id may have been forgotten, when compaction may have removed a copy the pure merge
   * would show again).
   */
  @Property(tries = 400)
  void replicasThatCompactWhatTheyStoreConvergeToo(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    Random random = new Random(seed);
    VersionedObject[] replicas = h.states.clone();
    for (int i = 0; i < 3 * replicas.length; i++) {
      int to = random.nextInt(replicas.length);
      replicas[to] = replicas[to].merge(replicas[random.nextInt(replicas.length)]).compact();
    }
    boolean changed = true;
    for (int pass = 0; changed; pass++) {
      assertTrue(pass < 10, "no fixed point after 10 ring passes\n" + h);
      changed = false;
      for (int i = 0; i < replicas.length; i++) {
        int to = (i + 1) % replicas.length;
        VersionedObject next = replicas[to].merge(replicas[i]).compact();
        changed |= !next.equals(replicas[to]);
        replicas[to] = next;
      }
    }
    for (VersionedObject r : replicas) {
      assertEquals(replicas[0], r, h.toString());
    }
    if (!h.mayHaveForgotten()) {
      assertEquals(h.converged().siblings(), replicas[0].siblings(), h.toString());
    }
  }

  @Property(tries = 400)
  void compactionIsAnInflation(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    Random r = new Random(seed);
    // half the time one object knows a write superseded and the other holds a copy of it it has not seen
    VersionedObject[] pair = r.nextBoolean() ? supersededAndCopy(h, r) : null;
    VersionedObject x = pair != null ? pair[0] : h.allObjects.get(r.nextInt(h.allObjects.size()));
    VersionedObject y = pair != null ? pair[1] : h.allObjects.get(r.nextInt(h.allObjects.size()));
    VersionedObject c = x.merge(y).compact();
    assertEquals(c, c.merge(x.merge(y)), "merging what was compacted away brings nothing back\n" + h);
    assertEquals(c, c.compact());
    assertEquals(x.merge(y).siblings(), c.siblings(), "compaction changes what a reader sees\n" + h);
    assertEquals(c.allSiblings(), c.siblings());
    Statistics.label("compaction removed a sibling").collect(!x.merge(y).equals(c));
    Statistics.label("compaction removed a sibling").coverage(k -> k.check(true).percentage(p -> p >= 3));
  }

  /**
   * A write that replaces a copy of a write (its context covers it) makes every other copy of that write
   * invisible, whatever it is merged with afterwards and in whatever order: the id is forgotten only
   * when the bound forgets it (more than {@link VersionedObject#SUPERSEDED_MAX} newer superseded writes,
   * or one newer by more than the horizon), never by a merge.
   */
  @Property(tries = 600)
  void aWriteThenMergesNeverBringBackACopyOfAWriteItReplaced(@ForAll("histories") ReplicaHistory h,
      @ForAll long seed) {
    Random r = new Random(seed);
    // half the time the write replaces one copy of a write and one of the objects it meets holds another
    VersionedObject[] pair = r.nextBoolean() ? copiesApart(h, r) : null;
    VersionedObject base = pair != null ? pair[0] : h.allObjects.get(r.nextInt(h.allObjects.size()));
    VersionVector ctx = pair != null || h.readContexts.isEmpty() ? base.context()
        : h.readContexts.get(r.nextInt(h.readContexts.size()));
    long now = h.clockMs + 1;
    VersionedObject written = base.write(ctx, new byte[] {7}, ReplicaHistory.node(r.nextInt(h.replicas)), now, 0,
        ReplicaHistory.writeIdOf(10_000));
    Set<Long> replaced = new HashSet<>();
    for (Sibling s : base.allSiblings()) {
      if (ctx.covers(s.dot()) && s.writeId() != 0) {
        replaced.add(s.writeId());
      }
    }
    List<VersionedObject> others = new ArrayList<>(List.of(written,
        pair != null ? pair[1] : h.allObjects.get(r.nextInt(h.allObjects.size())),
        h.allObjects.get(r.nextInt(h.allObjects.size()))));
    Collections.shuffle(others, r);
    VersionedObject m = others.get(0);
    for (VersionedObject o : others.subList(1, 3)) {
      m = r.nextBoolean() ? m.merge(o) : o.merge(m).compact();
    }
    boolean strayMet = false;
    for (long id : replaced) {
      Map<Long, Long> entries = new HashMap<>();
      for (SupersededWrite w : m.superseded()) {
        entries.put(w.writeId(), w.atMs());
      }
      entries.merge(id, now, Math::max);
      if (VersionedObject.bounded(entries).stream().anyMatch(w -> w.writeId() == id)) {
        assertTrue(m.isSuperseded(id), "write " + id + " forgotten by a merge: " + m + "\n" + h);
        for (Sibling s : m.siblings()) {
          assertTrue(s.writeId() != id, "a copy of replaced write " + id + " is back: " + m + "\n" + h);
        }
      }
      for (Sibling s : m.allSiblings()) {
        strayMet |= s.writeId() == id;
      }
    }
    Statistics.label("a copy of a replaced write met the write").collect(strayMet);
    Statistics.label("a copy of a replaced write met the write").coverage(k -> k.check(true).percentage(p -> p >= 2));
  }

  @Property(tries = 400)
  void codecRoundTripsEveryObject(@ForAll("histories") ReplicaHistory h) {
    Kryo kryo = StorageKryo.newKryo();
    for (VersionedObject o : h.allObjects) {
      assertEquals(o, RecordCodec.decode(RecordCodec.encode(o)));
      Output out = new Output(64, -1);
      kryo.writeClassAndObject(out, o);
      kryo.writeClassAndObject(out, o.context());
      Input in = new Input(out.toBytes());
      assertEquals(o, kryo.readClassAndObject(in));
      assertEquals(o.context(), kryo.readClassAndObject(in));
    }
  }

  @Property(tries = 200)
  void versionVectorJoinIsALattice(@ForAll("histories") ReplicaHistory h, @ForAll long seed) {
    List<VersionedObject> o = pick3(h, seed);
    VersionVector a = o.get(0).context();
    VersionVector b = o.get(1).context();
    VersionVector c = o.get(2).context();
    assertEquals(a.join(b), b.join(a));
    assertEquals(a.join(b).join(c), a.join(b.join(c)));
    assertEquals(a, a.join(a));
    assertTrue(a.join(b).descends(a) && a.join(b).descends(b));
  }
}
