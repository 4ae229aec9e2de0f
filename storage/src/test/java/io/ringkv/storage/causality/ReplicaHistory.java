package io.ringkv.storage.causality;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A replayed history of one key on a few replicas, the way a Dynamo cluster produces it: clients read
 * a context from some replica, later write (or delete) with one of the contexts read so far, or write
 * blind; the write is coordinated by some replica, which mints the dot; replicas merge each other's
 * objects (read repair, handoff, anti-entropy) in any order.
 *
 * <p>Besides the replica states it records every object that existed, every context a client read,
 * and for every write whether a later write's context covered its dot ("superseded"): DVV semantics
 * promise that, once the replicas have exchanged everything, exactly the writes not superseded remain.
 */
final class ReplicaHistory {

  /** One step of a history, as raw numbers so jqwik can shrink them; {@link #replay} interprets them. */
  record Step(int kind, int replica, int other, int pick) {
    @Override
    public String toString() {
      return "Step(" + kind + "," + replica + "," + other + "," + pick + ")";
    }
  }

  /** A write as the client saw it acknowledged. */
  record Write(Dot dot, byte[] value, VersionVector clientContext, int step) {}

  final int replicas;
  final VersionedObject[] states;
  final List<VersionedObject> allObjects = new ArrayList<>();
  final List<VersionVector> readContexts = new ArrayList<>();
  final Map<Dot, Write> writes = new LinkedHashMap<>();
  final Set<Dot> superseded = new HashSet<>();
  final List<String> log = new ArrayList<>();

  private ReplicaHistory(int replicas) {
    this.replicas = replicas;
    this.states = new VersionedObject[replicas];
    java.util.Arrays.fill(states, VersionedObject.EMPTY);
  }

  static String node(int replica) {
    return "r" + replica;
  }

  static ReplicaHistory replay(int replicas, List<Step> steps) {
    ReplicaHistory h = new ReplicaHistory(replicas);
    for (int i = 0; i < steps.size(); i++) {
      h.apply(steps.get(i), i);
    }
    return h;
  }

  private void apply(Step step, int index) {
    int r = Math.floorMod(step.replica(), replicas);
    int kind = Math.floorMod(step.kind(), 10);
    if (kind <= 2 || kind == 9) {
      VersionVector ctx = VersionVector.EMPTY;
      if (Math.floorMod(step.other(), 4) != 0 && !readContexts.isEmpty()) {
        ctx = readContexts.get(Math.floorMod(step.pick(), readContexts.size()));
      }
      byte[] value = kind == 9 ? null : ("w" + index).getBytes(StandardCharsets.UTF_8);
      VersionedObject next = states[r].write(ctx, value, node(r), index);
      Dot dot = next.newestDotOf(node(r));
      for (Dot d : writes.keySet()) {
        if (ctx.covers(d)) {
          superseded.add(d);
        }
      }
      writes.put(dot, new Write(dot, value, ctx, index));
      states[r] = next;
      log.add(index + ": " + node(r) + (value == null ? " deletes" : " writes") + " with " + ctx + " -> " + dot);
    } else if (kind <= 5) {
      readContexts.add(states[r].context());
      log.add(index + ": client reads " + states[r].context() + " from " + node(r));
    } else {
      int from = Math.floorMod(step.other(), replicas);
      states[r] = states[r].merge(states[from]);
      log.add(index + ": " + node(r) + " merges from " + node(from));
    }
    allObjects.add(states[r]);
  }

  /** Every replica merges every other's object (a full anti-entropy round); returns the converged object. */
  VersionedObject converged() {
    VersionedObject all = VersionedObject.EMPTY;
    for (VersionedObject s : states) {
      all = all.merge(s);
    }
    return all;
  }

  @Override
  public String toString() {
    return replicas + " replicas:\n  " + String.join("\n  ", log);
  }
}
