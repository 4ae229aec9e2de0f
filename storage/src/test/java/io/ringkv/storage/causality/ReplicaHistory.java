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
 * objects (read repair, handoff, anti-entropy) in any order, and store the result compacted, as the
 * storage engines do, or not, as a coordinator's merged read (a read-repair payload) is.
 *
 * <p>Writes carry idempotency ids (most of them; some carry none), and a client may retry an earlier
 * write, same id, same context, same value, through another replica: if that replica does not hold the
 * write it mints a second copy with another dot, the case of a client failing over after its first
 * minter died before replicating. The clock advances one millisecond a step and sometimes jumps past
 * {@link VersionedObject#SUPERSEDED_HORIZON_MS}.
 *
 * <p>Besides the replica states it records every object that existed, every context a client read,
 * every write's copies, and for every write whether a later write's context covered its dot
 * ("superseded") or any copy of it ("superseded by id"): once the replicas have exchanged everything,
 * exactly the copies of writes superseded neither way remain (DVV semantics plus write ids), unless the
 * superseded set had to forget an id (more than {@link VersionedObject#SUPERSEDED_MAX} ids, or time
 * past the horizon: {@link #mayHaveForgotten()}).
 */
final class ReplicaHistory {

  /** One step of a history, as raw numbers so jqwik can shrink them; {@link #replay} interprets them. */
  record Step(int kind, int replica, int other, int pick) {
    @Override
    public String toString() {
      return "Step(" + kind + "," + replica + "," + other + "," + pick + ")";
    }
  }

  /** A copy of a write as a minter made it: the client's write, or its retry through another replica. */
  record Write(Dot dot, byte[] value, VersionVector clientContext, long atMs, long writeId) {}

  /** Step kinds: 0-2 write, 3-5 read, 6-8 merge, 9 delete, 10-11 retry an earlier write, 12 clock jump. */
  static final int KINDS = 13;

  final int replicas;
  final VersionedObject[] states;
  final List<VersionedObject> allObjects = new ArrayList<>();
  final List<VersionVector> readContexts = new ArrayList<>();
  final Map<Dot, Write> writes = new LinkedHashMap<>();
  /** Every write the client issued (the first copy), in order, for retries. */
  final List<Write> issued = new ArrayList<>();
  final Set<Dot> superseded = new HashSet<>();
  final Set<Long> supersededIds = new HashSet<>();
  final List<String> log = new ArrayList<>();
  long clockMs;
  boolean clockJumped;
  int retriesMinted;

  private ReplicaHistory(int replicas) {
    this.replicas = replicas;
    this.states = new VersionedObject[replicas];
    java.util.Arrays.fill(states, VersionedObject.EMPTY);
  }

  static String node(int replica) {
    return "r" + replica;
  }

  /** A distinct non-zero id per step (an odd multiplier is invertible mod 2^64, so never 0). */
  static long writeIdOf(int step) {
    return (step + 1) * 0x9E3779B97F4A7C15L;
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
    int kind = Math.floorMod(step.kind(), KINDS);
    clockMs++;
    if (kind <= 2 || kind == 9) {
      VersionVector ctx = VersionVector.EMPTY;
      if (Math.floorMod(step.other(), 4) != 0 && !readContexts.isEmpty()) {
        ctx = readContexts.get(Math.floorMod(step.pick(), readContexts.size()));
      }
      byte[] value = kind == 9 ? null : ("w" + index).getBytes(StandardCharsets.UTF_8);
      long writeId = Math.floorMod(step.pick(), 8) == 7 ? 0 : writeIdOf(index);
      Write w = mint(r, ctx, value, writeId);
      issued.add(w);
      log.add(index + ": " + node(r) + (value == null ? " deletes" : " writes") + " #" + issued.size() + " with "
          + ctx + " -> " + w.dot());
    } else if (kind <= 5) {
      readContexts.add(states[r].context());
      log.add(index + ": client reads " + states[r].context() + " from " + node(r));
    } else if (kind <= 8) {
      int from = Math.floorMod(step.other(), replicas);
      VersionedObject merged = states[r].merge(states[from]);
      boolean compact = Math.floorMod(step.pick(), 2) == 0;
      states[r] = compact ? merged.compact() : merged;
      log.add(index + ": " + node(r) + " merges from " + node(from) + (compact ? ", compacted" : ""));
    } else if (kind <= 11 && !issued.isEmpty()) {
      Write original = issued.get(Math.floorMod(step.pick(), issued.size()));
      VersionedObject before = states[r];
      Write copy = original.writeId() == 0 ? null : mint(r, original.clientContext(), original.value(),
          original.writeId());
      log.add(index + ": client retries #" + (issued.indexOf(original) + 1) + " through " + node(r) + " -> "
          + (copy == null ? "no id, not retried" : states[r] == before ? "nothing" : copy.dot()));
    } else {
      clockMs += VersionedObject.SUPERSEDED_HORIZON_MS + 1;
      clockJumped = true;
      log.add(index + ": the clock jumps to " + clockMs);
    }
    allObjects.add(states[r]);
  }

  /** Replica {@code r} applies a client write; returns the copy it minted (the first copy when a no-op). */
  private Write mint(int r, VersionVector ctx, byte[] value, long writeId) {
    VersionedObject next = states[r].write(ctx, value, node(r), clockMs, 0, writeId);
    if (next == states[r]) {
      for (Write w : writes.values()) {
        if (w.writeId() == writeId) {
          return w;
        }
      }
      throw new AssertionError("a write with an unknown id " + writeId + " changed nothing");
    }
    Dot dot = next.newestDotOf(node(r));
    for (Write w : writes.values()) {
      if (ctx.covers(w.dot())) {
        superseded.add(w.dot());
        if (w.writeId() != 0) {
          supersededIds.add(w.writeId());
        }
      }
    }
    boolean retry = false;
    for (Write w : writes.values()) {
      retry |= writeId != 0 && w.writeId() == writeId;
    }
    if (retry) {
      retriesMinted++;
    }
    Write w = new Write(dot, value, ctx, clockMs, writeId);
    writes.put(dot, w);
    states[r] = next;
    return w;
  }

  /** The copies no later write replaced, neither by dot nor (for a write with an id) by id. */
  Set<Dot> survivors() {
    Set<Dot> out = new HashSet<>();
    for (Write w : writes.values()) {
      if (!superseded.contains(w.dot()) && !supersededIds.contains(w.writeId())) {
        out.add(w.dot());
      }
    }
    return out;
  }

  /** The copies no later write's context covered (what DVV alone would keep). */
  Set<Dot> notCovered() {
    Set<Dot> out = new HashSet<>(writes.keySet());
    out.removeAll(superseded);
    return out;
  }

  /** True when the superseded sets may have had to forget an id: beyond the count or the time bound. */
  boolean mayHaveForgotten() {
    return clockJumped || supersededIds.size() > VersionedObject.SUPERSEDED_MAX;
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
