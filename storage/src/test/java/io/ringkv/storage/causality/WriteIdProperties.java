package io.ringkv.storage.causality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The merge laws still hold when writes carry idempotency ids and some are retried through another
 * replica (two siblings, one write), and a reader sees each surviving write once.
 */
class WriteIdProperties {
  private static final String[] NODES = {"a", "b", "c"};

  /** Replays a random history on three replicas; returns their objects. */
  private static List<VersionedObject> history(long seed) {
    Random r = new Random(seed);
    List<VersionedObject> replicas = new ArrayList<>(List.of(VersionedObject.EMPTY, VersionedObject.EMPTY,
        VersionedObject.EMPTY));
    long nextId = 1;
    for (int step = 0; step < 12; step++) {
      int i = r.nextInt(3);
      switch (r.nextInt(4)) {
        case 0, 1 -> {
          // a write with the context of some replica's object (or blind), sometimes retried elsewhere
          VersionVector ctx = r.nextBoolean() ? replicas.get(r.nextInt(3)).context() : VersionVector.EMPTY;
          long id = nextId++;
          byte[] v = {(byte) id};
          replicas.set(i, replicas.get(i).write(ctx, v, NODES[i], step, 0, id));
          if (r.nextInt(3) == 0) {
            int j = (i + 1 + r.nextInt(2)) % 3;
            replicas.set(j, replicas.get(j).write(ctx, v, NODES[j], step, 0, id));
          }
        }
        default -> {
          int j = r.nextInt(3);
          replicas.set(i, replicas.get(i).merge(replicas.get(j)));
        }
      }
    }
    return replicas;
  }

  @Property(tries = 300)
  void mergeIsCommutativeAssociativeAndIdempotentWithRetriedWrites(@ForAll long seed) {
    List<VersionedObject> o = history(seed);
    VersionedObject a = o.get(0);
    VersionedObject b = o.get(1);
    VersionedObject c = o.get(2);
    assertEquals(a.merge(b), b.merge(a), "commutative, seed " + seed);
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)), "associative, seed " + seed);
    assertEquals(a.merge(a), a, "idempotent, seed " + seed);
    assertEquals(a.merge(b).merge(b), a.merge(b), "idempotent, seed " + seed);
  }

  @Property(tries = 300)
  void aReaderSeesEachSurvivingWriteOnce(@ForAll long seed) {
    List<VersionedObject> o = history(seed);
    VersionedObject all = o.get(0).merge(o.get(1)).merge(o.get(2));
    Set<Long> live = new HashSet<>();
    for (Sibling s : all.liveSiblings()) {
      live.add(s.writeId());
    }
    List<byte[]> shown = all.liveValuesOncePerWrite();
    assertEquals(live.size(), shown.size(), "seed " + seed);
    Set<Byte> shownIds = new HashSet<>();
    for (byte[] v : shown) {
      assertTrue(shownIds.add(v[0]), "write " + v[0] + " shown twice, seed " + seed);
    }
  }
}
