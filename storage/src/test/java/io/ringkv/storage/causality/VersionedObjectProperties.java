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
import java.util.HashSet;
import java.util.List;
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
 * The algebra of {@link VersionedObject} (DVVSet semantics), checked on histories replayed by
 * {@link ReplicaHistory}: several replicas coordinating writes with contexts clients read earlier,
 * and merging with each other in any order. A failure prints the history (jqwik prints the seed).
 */
class VersionedObjectProperties {

  /** Histories of up to 4 replicas and 40 steps: enough for siblings, overwrites, deletes and re-merges. */
  @Provide
  Arbitrary<ReplicaHistory> histories() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.integers().between(0, 9),
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
    VersionedObject next = base.write(ctx, new byte[] {42}, node, 7);
    Dot minted = next.newestDotOf(node);

    Set<Sibling> expected = new HashSet<>();
    for (Sibling s : base.siblings()) {
      if (!ctx.covers(s.dot())) {
        expected.add(s);
      }
    }
    expected.add(new Sibling(minted, new byte[] {42}, 7));
    assertEquals(expected, new HashSet<>(next.siblings()), h + "\nwrite with " + ctx + " on " + base);
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
    for (Sibling s : a.siblings()) {
      if (!seenAndDropped(b, s.dot())) {
        expected.add(s);
      }
    }
    for (Sibling s : b.siblings()) {
      if (!seenAndDropped(a, s.dot())) {
        expected.add(s);
      }
    }
    assertEquals(expected, new HashSet<>(m.siblings()), h + "\nA=" + a + "\nB=" + b);
    assertEquals(a.context().join(b.context()), m.context());
  }

  private static boolean seenAndDropped(VersionedObject o, Dot d) {
    if (!o.context().covers(d)) {
      return false;
    }
    for (Sibling s : o.siblings()) {
      if (s.dot().equals(d)) {
        return false;
      }
    }
    return true;
  }

  /** The DVV promise end to end: after a full exchange, exactly the writes no later write has seen remain. */
  @Property(tries = 600)
  void convergedStateHoldsExactlyTheWritesNoLaterWriteSaw(@ForAll("histories") ReplicaHistory h) {
    VersionedObject converged = h.converged();
    Set<Dot> expected = new HashSet<>(h.writes.keySet());
    expected.removeAll(h.superseded);
    Set<Dot> present = new HashSet<>();
    for (Sibling s : converged.siblings()) {
      present.add(s.dot());
      ReplicaHistory.Write w = h.writes.get(s.dot());
      assertEquals(new Sibling(w.dot(), w.value(), w.step()), s, "sibling differs from its write");
    }
    assertEquals(expected, present, h.toString());
    // the histories must exercise what the property is about, not just empty objects
    Statistics.label("concurrent siblings").collect(converged.siblings().size() >= 2);
    Statistics.label("superseded writes").collect(!h.superseded.isEmpty());
    Statistics.label("siblings kept through a context write").collect(keptThroughContextWrite(h));
    Statistics.label("concurrent siblings").coverage(c -> c.check(true).percentage(p -> p >= 15));
    Statistics.label("superseded writes").coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("siblings kept through a context write").coverage(c -> c.check(true).percentage(p -> p >= 5));
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
