package io.ringkv.storage.causality;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a replica stores for a key: a set of concurrent {@link Sibling}s and a causal context, in the
 * form of a <em>dotted causal container</em> (Almeida et al., "Dotted Version Vectors", 2012; the same
 * semantics as Riak's DVVSet), plus a small set of <em>superseded write ids</em>. The context summarises
 * every dot this object has seen, including the dots of versions that were overwritten; every sibling's
 * dot is covered by the context.
 *
 * <ul>
 *   <li>{@link #write}: a client write carrying context {@code C} replaces exactly the siblings whose
 *       dots {@code C} covers and keeps every other (concurrent) sibling; the coordinating replica mints
 *       a fresh dot. A blind write ({@code C} empty) removes nothing.
 *   <li>{@link #merge}: a sibling survives the merge unless the other side has seen its dot and no
 *       longer holds it. Merge is commutative, associative and idempotent, so read repair, hinted
 *       handoff and anti-entropy may deliver objects in any order, any number of times.
 * </ul>
 *
 * <h2>One write, two siblings: superseded write ids</h2>
 * Every client write carries a random idempotency id, kept on its sibling. A write retried through a
 * second minter (the first died before replicating) becomes two siblings with different dots and one id.
 * A later write or delete whose context covers only one of them (its read quorum never saw the other)
 * leaves the other, and when that copy arrives the replaced value is back: an acknowledged delete
 * "resurrects". DVV cannot tell, because to causality the two copies are unrelated writes. So an object
 * also remembers which writes were replaced, by id ({@link #superseded()}), and a sibling of a superseded
 * write is never shown:
 * <ul>
 *   <li>{@link #write} records the id of every sibling its context replaces (at the write's time), drops
 *       any other local sibling of a superseded write, and is a no-op for a write that was itself
 *       superseded (a retry arriving after the delete that replaced its first attempt);
 *   <li>{@link #merge} records the id of every sibling it drops because the other side has seen and
 *       replaced it (so a delete minted by a replica that had not received the copy its context covers
 *       still learns the id once they meet), at that sibling's {@code writtenAtMs}, a time every merge
 *       order agrees on;
 *   <li>{@link #siblings()} and every reader's view leave out the siblings of superseded writes, and
 *       {@link #compact()}, which the storage engines apply to everything they store, removes them.
 * </ul>
 * Merge itself only hides such a sibling; it does not drop it. Dropping inside merge (as an earlier
 * attempt collapsed same-id siblings inside merge) breaks associativity once the set is bounded: one merge
 * order drops the copy while the id is remembered, another forgets the id first (evicted by newer
 * entries) and keeps the copy, and a dropped sibling never comes back. Kept-but-hidden, the sibling set is
 * the plain DVV merge and the superseded set a semilattice of its own, so merge stays a join. Compaction is
 * a separate, local step and an inflation ({@code compact(x).merge(x).equals(compact(x))}): it removes a
 * sibling whose dot the context covers, exactly as a write with that context would, so replicas that
 * compacted at different times still converge.
 *
 * <p>Bound: at most {@link #SUPERSEDED_MAX} entries, none older than {@link #SUPERSEDED_HORIZON_MS}
 * (a day, far beyond the clock skew between nodes) before the newest entry; beyond that the oldest (by time, then id) are forgotten. Both cuts depend only
 * on the entries, so "union, then cut" is associative (the top K of a union under a total order). An object
 * no write with a context has overwritten carries no entries, and its encoding is unchanged.
 *
 * <p>Instances are immutable; siblings are kept sorted by dot and the superseded set newest first, so equal
 * objects are equal.
 */
public final class VersionedObject {
  /**
   * Most superseded write ids an object remembers (8). A read-modify-write supersedes one write per
   * update, so this is the last 8 updates; a duplicate exists only for a write retried by a client during
   * a failover, seconds, not 8 updates, before the write that replaced it. A write that resolves more
   * siblings at once than this keeps 8 of their ids (the order of {@link SupersededWrite#NEWEST_FIRST}).
   * Cost: about 11 encoded bytes per entry, at most ~90 bytes on a key updated 8 times within the horizon.
   */
  public static final int SUPERSEDED_MAX = 8;

  /**
   * How long after the newest entry an entry is kept (24 hours). The times are the clocks of the nodes
   * that recorded them, so the cut compares clocks of different nodes: with 10 minutes (the tombstone
   * grace, as this was first), a write recorded by a node whose clock ran 10 minutes ahead made every
   * other node's entries look expired, and a stray copy of a write a delete had replaced came back (a
   * test in SupersededWriteTest). A day keeps the entries whenever the clocks disagree by less than a
   * day minus how late the copy arrives; {@link #SUPERSEDED_MAX} still bounds the set, so the longer
   * horizon costs at most one byte per entry (a varlong age of up to 2^28 ms). A stray copy delayed
   * longer than this behind newer overwrites of its key, or the same case as a replica away longer than
   * the grace after a delete, is not guarded against.
   */
  public static final long SUPERSEDED_HORIZON_MS = 24 * 60 * 60 * 1000L;

  public static final VersionedObject EMPTY = new VersionedObject(VersionVector.EMPTY, List.of(), List.of());

  private static final Comparator<Sibling> BY_DOT = Comparator.comparing(Sibling::dot);

  private final VersionVector context;
  /** Every sibling held, sorted by dot, including those of superseded writes (until compacted). */
  private final List<Sibling> all;
  /** {@link #all} without the siblings of superseded writes; the same list when there are none. */
  private final List<Sibling> visible;
  /** Newest first; within the bound. */
  private final List<SupersededWrite> superseded;

  private VersionedObject(VersionVector context, List<Sibling> sortedSiblings, List<SupersededWrite> superseded) {
    this.context = context;
    this.all = sortedSiblings;
    this.superseded = superseded;
    this.visible = superseded.isEmpty() ? sortedSiblings : withoutSuperseded(sortedSiblings, superseded);
  }

  private static List<Sibling> withoutSuperseded(List<Sibling> siblings, List<SupersededWrite> superseded) {
    List<Sibling> kept = null;
    for (int i = 0; i < siblings.size(); i++) {
      Sibling s = siblings.get(i);
      if (s.writeId() != 0 && contains(superseded, s.writeId())) {
        if (kept == null) {
          kept = new ArrayList<>(siblings.subList(0, i));
        }
      } else if (kept != null) {
        kept.add(s);
      }
    }
    return kept == null ? siblings : Collections.unmodifiableList(kept);
  }

  private static boolean contains(List<SupersededWrite> superseded, long writeId) {
    for (SupersededWrite w : superseded) {
      if (w.writeId() == writeId) {
        return true;
      }
    }
    return false;
  }

  /**
   * Builds an object from decoded parts, checking the invariants: dots are unique and every dot is
   * covered by the context. No write is superseded.
   */
  public static VersionedObject of(VersionVector context, List<Sibling> siblings) {
    return of(context, siblings, List.of());
  }

  /**
   * Builds an object from decoded parts, checking the invariants: dots are unique, every dot is covered
   * by the context, and the superseded set names each write id once and is within its bound
   * ({@link #SUPERSEDED_MAX} entries, none older than {@link #SUPERSEDED_HORIZON_MS} before the newest),
   * as every object this class makes is. {@code siblings} may include siblings of superseded writes
   * (they are hidden from readers).
   */
  public static VersionedObject of(VersionVector context, List<Sibling> siblings, List<SupersededWrite> superseded) {
    Objects.requireNonNull(context, "context");
    List<Sibling> sorted = new ArrayList<>(siblings);
    sorted.sort(BY_DOT);
    Set<Dot> seen = new HashSet<>();
    for (Sibling s : sorted) {
      if (!seen.add(s.dot())) {
        throw new IllegalArgumentException("duplicate dot " + s.dot());
      }
      if (!context.covers(s.dot())) {
        throw new IllegalArgumentException("context " + context + " does not cover sibling dot " + s.dot());
      }
    }
    List<SupersededWrite> set = new ArrayList<>(superseded);
    set.sort(SupersededWrite.NEWEST_FIRST);
    Set<Long> ids = new HashSet<>();
    for (SupersededWrite w : set) {
      if (!ids.add(w.writeId())) {
        throw new IllegalArgumentException("superseded write " + Long.toHexString(w.writeId()) + " is named twice");
      }
    }
    if (set.size() > SUPERSEDED_MAX) {
      throw new IllegalArgumentException(set.size() + " superseded writes, over SUPERSEDED_MAX=" + SUPERSEDED_MAX);
    }
    if (!set.isEmpty() && set.get(set.size() - 1).atMs() < horizonFloor(set.get(0).atMs())) {
      throw new IllegalArgumentException("superseded write " + set.get(set.size() - 1) + " is older than "
          + "SUPERSEDED_HORIZON_MS=" + SUPERSEDED_HORIZON_MS + " before the newest, " + set.get(0));
    }
    return new VersionedObject(context, Collections.unmodifiableList(sorted),
        set.isEmpty() ? List.of() : Collections.unmodifiableList(set));
  }

  public VersionVector context() {
    return context;
  }

  /**
   * The siblings a reader may see, tombstones included, sorted by dot: every sibling held except those of
   * superseded writes (which only a merge result that was not yet {@link #compact() compacted} holds).
   */
  public List<Sibling> siblings() {
    return visible;
  }

  /**
   * Every sibling held, sorted by dot, including those of superseded writes: what the codec encodes and
   * equality compares. Readers use {@link #siblings()}.
   */
  public List<Sibling> allSiblings() {
    return all;
  }

  /** The writes known to be replaced by a later write or delete, newest first (usually empty). */
  public List<SupersededWrite> superseded() {
    return superseded;
  }

  /** True when the write with id {@code writeId} (not 0) is known to be replaced by a later one. */
  public boolean isSuperseded(long writeId) {
    return writeId != 0 && contains(superseded, writeId);
  }

  /** The siblings that hold a value (tombstones left out), sorted by dot. */
  public List<Sibling> liveSiblings() {
    List<Sibling> live = new ArrayList<>(visible.size());
    for (Sibling s : visible) {
      if (!s.isTombstone()) {
        live.add(s);
      }
    }
    return live;
  }

  /**
   * The live values a client is shown: one per write, so the two siblings of a write retried through
   * two minters appear once. Sorted by dot.
   */
  public List<byte[]> liveValuesOncePerWrite() {
    List<byte[]> values = new ArrayList<>(visible.size());
    Set<Long> ids = null;
    for (Sibling s : visible) {
      if (s.isTombstone()) {
        continue;
      }
      if (s.writeId() != 0) {
        if (ids == null) {
          ids = new HashSet<>();
        }
        if (!ids.add(s.writeId())) {
          continue;
        }
      }
      values.add(s.value());
    }
    return values;
  }

  /** True when no sibling a reader sees holds a value: the key reads as "not found". */
  public boolean isDeleted() {
    for (Sibling s : visible) {
      if (!s.isTombstone()) {
        return false;
      }
    }
    return true;
  }

  /** True when the object shows at least one tombstone and no value. */
  public boolean isTombstoned() {
    return !visible.isEmpty() && isDeleted();
  }

  /**
   * The object after a client write coordinated by replica {@code node}.
   *
   * @param clientContext the context the client read (empty for a blind write)
   * @param valueOrNull the new value, or null for a delete (a tombstone)
   * @return the new object; its newest dot is {@code (node, max(context[node], clientContext[node]) + 1)}
   */
  public VersionedObject write(VersionVector clientContext, byte[] valueOrNull, String node, long nowMs) {
    return write(clientContext, valueOrNull, node, nowMs, 0);
  }

  /**
   * As {@link #write(VersionVector, byte[], String, long)}, minting the dot above {@code counterFloor}
   * too: the highest counter the node ever minted for any key (see {@code DotCounter}), so that a key
   * recreated after tombstone GC never reuses a dot.
   */
  public VersionedObject write(VersionVector clientContext, byte[] valueOrNull, String node, long nowMs,
      long counterFloor) {
    return write(clientContext, valueOrNull, node, nowMs, counterFloor, 0);
  }

  /**
   * As {@link #write(VersionVector, byte[], String, long, long)} for a write with idempotency id
   * {@code writeId} (0: none). When a sibling of that write is already here, the write is a retry of one
   * already applied, and when the write is superseded (a later write replaced its first attempt) it is a
   * retry that came too late; either way this object is returned unchanged. Otherwise the id of every
   * sibling the client context replaces is recorded as superseded at {@code nowMs}, and the result is
   * {@link #compact() compacted}: another local sibling of a superseded write (the other copy of a write
   * retried through two minters) goes too.
   */
  public VersionedObject write(VersionVector clientContext, byte[] valueOrNull, String node, long nowMs,
      long counterFloor, long writeId) {
    if (writeId != 0 && (holds(writeId) || isSuperseded(writeId))) {
      return this;
    }
    Dot dot = new Dot(node, Math.max(Math.max(context.get(node), clientContext.get(node)), counterFloor) + 1);
    List<Sibling> next = new ArrayList<>(all.size() + 1);
    Map<Long, Long> replaced = null;
    for (Sibling s : all) {
      if (!clientContext.covers(s.dot())) {
        next.add(s);
      } else if (s.writeId() != 0) {
        if (replaced == null) {
          replaced = entries(superseded);
        }
        replaced.merge(s.writeId(), nowMs, Math::max);
      }
    }
    next.add(new Sibling(dot, valueOrNull, nowMs, writeId));
    next.sort(BY_DOT);
    List<SupersededWrite> set = replaced == null ? superseded : bounded(replaced);
    return new VersionedObject(context.join(clientContext).with(dot), Collections.unmodifiableList(next), set)
        .compact();
  }

  /** True when some sibling held, shown or not, carries {@code writeId}. */
  private boolean holds(long writeId) {
    for (Sibling s : all) {
      if (s.writeId() == writeId) {
        return true;
      }
    }
    return false;
  }

  /**
   * The sibling made by the write with idempotency id {@code writeId}, or null (also when that write
   * is superseded).
   *
   * <p>A write retried through a second minter, after its first minter died before replicating it,
   * leaves two siblings with the same id once that minter returns. Until a write replaces one of them both
   * stay, and readers show one: see {@link #liveValuesOncePerWrite()}. A write whose context covers either
   * makes the id superseded, which hides and then removes the other (see the class comment).
   */
  public Sibling siblingOf(long writeId) {
    for (Sibling s : visible) {
      if (s.writeId() == writeId) {
        return s;
      }
    }
    return null;
  }

  /** The dot minted by the last {@link #write} is the largest dot of its node among the siblings. */
  public Dot newestDotOf(String node) {
    Dot newest = null;
    for (Sibling s : all) {
      if (s.dot().node().equals(node) && (newest == null || s.dot().counter() > newest.counter())) {
        newest = s.dot();
      }
    }
    return newest;
  }

  /**
   * The causal merge of two replicas' objects for the same key: the dotted-causal-container merge of
   * the siblings (each kept unless the other side has seen its dot and no longer holds it), the join of
   * the contexts, and the union of the superseded sets, with the id of every sibling the merge drops
   * added at the sibling's {@code writtenAtMs}, cut to its bound. Siblings of superseded writes are kept
   * but hidden (see the class comment); the storage engines {@link #compact()} what they store.
   */
  public VersionedObject merge(VersionedObject other) {
    if (other == this || other.equals(this)) {
      return this;
    }
    List<Sibling> next = new ArrayList<>(all.size() + other.all.size());
    Set<Dot> otherDots = new HashSet<>();
    for (Sibling s : other.all) {
      otherDots.add(s.dot());
    }
    Map<Long, Long> ids = null;
    Set<Dot> kept = new HashSet<>();
    for (Sibling s : all) {
      if (otherDots.contains(s.dot()) || !other.context.covers(s.dot())) {
        next.add(s);
        kept.add(s.dot());
      } else if (s.writeId() != 0) {
        ids = recordDropped(ids, s);
      }
    }
    for (Sibling s : other.all) {
      if (kept.contains(s.dot())) {
        continue;
      }
      if (!context.covers(s.dot())) {
        next.add(s);
      } else if (s.writeId() != 0) {
        ids = recordDropped(ids, s);
      }
    }
    next.sort(BY_DOT);
    List<SupersededWrite> set;
    if (ids == null && other.superseded.isEmpty()) {
      set = superseded;
    } else if (ids == null && superseded.isEmpty()) {
      set = other.superseded;
    } else {
      if (ids == null) {
        ids = new HashMap<>();
      }
      for (SupersededWrite w : superseded) {
        ids.merge(w.writeId(), w.atMs(), Math::max);
      }
      for (SupersededWrite w : other.superseded) {
        ids.merge(w.writeId(), w.atMs(), Math::max);
      }
      set = bounded(ids);
    }
    return new VersionedObject(context.join(other.context), Collections.unmodifiableList(next), set);
  }

  private static Map<Long, Long> recordDropped(Map<Long, Long> ids, Sibling dropped) {
    Map<Long, Long> m = ids == null ? new HashMap<>() : ids;
    m.merge(dropped.writeId(), dropped.writtenAtMs(), Math::max);
    return m;
  }

  /**
   * This object without the siblings of superseded writes: what a replica stores. Their dots stay in the
   * context, so a copy that arrives later is dropped by {@link #merge}, as after any write with that
   * context; their ids stay superseded, at no older a time than each removed sibling's
   * {@code writtenAtMs} (what a later merge with a copy would record). Returns this object when it
   * holds none.
   */
  public VersionedObject compact() {
    if (visible.size() == all.size()) {
      return this;
    }
    Map<Long, Long> ids = entries(superseded);
    Set<Dot> shown = new HashSet<>();
    for (Sibling s : visible) {
      shown.add(s.dot());
    }
    for (Sibling s : all) {
      if (!shown.contains(s.dot())) {
        ids.merge(s.writeId(), s.writtenAtMs(), Math::max);
      }
    }
    // the cut keeps a subset of the ids, so no shown sibling becomes superseded by it
    return new VersionedObject(context, visible, bounded(ids));
  }

  private static Map<Long, Long> entries(List<SupersededWrite> set) {
    Map<Long, Long> m = new HashMap<>();
    for (SupersededWrite w : set) {
      m.put(w.writeId(), w.atMs());
    }
    return m;
  }

  /**
   * The canonical bounded set of entries (write id, time): newest first, at most {@link #SUPERSEDED_MAX},
   * none older than {@link #SUPERSEDED_HORIZON_MS} before the newest. Depends only on the entries, and
   * cutting a part first never changes the cut of the whole, which keeps merge associative.
   */
  static List<SupersededWrite> bounded(Map<Long, Long> entries) {
    if (entries.isEmpty()) {
      return List.of();
    }
    List<SupersededWrite> all = new ArrayList<>(entries.size());
    entries.forEach((id, at) -> all.add(new SupersededWrite(id, at)));
    all.sort(SupersededWrite.NEWEST_FIRST);
    long floor = horizonFloor(all.get(0).atMs());
    int n = 0;
    while (n < all.size() && n < SUPERSEDED_MAX && all.get(n).atMs() >= floor) {
      n++;
    }
    return Collections.unmodifiableList(new ArrayList<>(all.subList(0, n)));
  }

  /** The oldest time kept beside an entry at {@code newestMs} (saturating, for any decoded time). */
  private static long horizonFloor(long newestMs) {
    return newestMs < Long.MIN_VALUE + SUPERSEDED_HORIZON_MS ? Long.MIN_VALUE : newestMs - SUPERSEDED_HORIZON_MS;
  }

  /**
   * True when this object already reflects everything in {@code other}: merging {@code other} into
   * it would change nothing. Read repair sends the merged object only to replicas for which this is false.
   */
  public boolean subsumes(VersionedObject other) {
    return merge(other).equals(this);
  }

  /** Total bytes of the values held (hidden siblings included), a cheap size estimate. */
  public long valueBytes() {
    long n = 0;
    for (Sibling s : all) {
      n += s.size();
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionedObject v && context.equals(v.context) && all.equals(v.all)
        && superseded.equals(v.superseded);
  }

  @Override
  public int hashCode() {
    return (context.hashCode() * 31 + all.hashCode()) * 31 + superseded.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("VersionedObject{context=").append(context).append(", siblings=")
        .append(visible);
    if (visible.size() != all.size()) {
      List<Sibling> hidden = new ArrayList<>(all);
      hidden.removeAll(visible);
      b.append(", hidden=").append(hidden);
    }
    if (!superseded.isEmpty()) {
      b.append(", superseded=").append(superseded);
    }
    return b.append('}').toString();
  }
}
