package io.ringkv.storage.causality;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a replica stores for a key: a set of concurrent {@link Sibling}s and a causal context, in the
 * form of a <em>dotted causal container</em> (Almeida et al., "Dotted Version Vectors", 2012; the same
 * semantics as Riak's DVVSet). The context summarises every dot this object has seen, including the
 * dots of versions that were overwritten; every sibling's dot is covered by the context.
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
 * Instances are immutable; siblings are kept sorted by dot so equal objects are equal.
 */
public final class VersionedObject {
  public static final VersionedObject EMPTY = new VersionedObject(VersionVector.EMPTY, List.of());

  private static final Comparator<Sibling> BY_DOT = Comparator.comparing(Sibling::dot);

  private final VersionVector context;
  private final List<Sibling> siblings;

  private VersionedObject(VersionVector context, List<Sibling> sortedSiblings) {
    this.context = context;
    this.siblings = sortedSiblings;
  }

  /**
   * Builds an object from decoded parts, checking the invariants: dots are unique and every dot is
   * covered by the context.
   */
  public static VersionedObject of(VersionVector context, List<Sibling> siblings) {
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
    return new VersionedObject(context, Collections.unmodifiableList(sorted));
  }

  public VersionVector context() {
    return context;
  }

  /** All siblings, tombstones included, sorted by dot. */
  public List<Sibling> siblings() {
    return siblings;
  }

  /** The siblings that hold a value (tombstones left out), sorted by dot. */
  public List<Sibling> liveSiblings() {
    List<Sibling> live = new ArrayList<>(siblings.size());
    for (Sibling s : siblings) {
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
    List<byte[]> values = new ArrayList<>(siblings.size());
    Set<Long> ids = null;
    for (Sibling s : siblings) {
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

  /** True when no sibling holds a value: the key reads as "not found". */
  public boolean isDeleted() {
    for (Sibling s : siblings) {
      if (!s.isTombstone()) {
        return false;
      }
    }
    return true;
  }

  /** True when the object holds at least one tombstone and no value. */
  public boolean isTombstoned() {
    return !siblings.isEmpty() && isDeleted();
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
   * {@code writeId} (0: none). When a sibling of that write is already here, the write is a retry of
   * one already applied and this object is returned unchanged.
   */
  public VersionedObject write(VersionVector clientContext, byte[] valueOrNull, String node, long nowMs,
      long counterFloor, long writeId) {
    if (writeId != 0 && siblingOf(writeId) != null) {
      return this;
    }
    Dot dot = new Dot(node, Math.max(Math.max(context.get(node), clientContext.get(node)), counterFloor) + 1);
    List<Sibling> next = new ArrayList<>(siblings.size() + 1);
    for (Sibling s : siblings) {
      if (!clientContext.covers(s.dot())) {
        next.add(s);
      }
    }
    next.add(new Sibling(dot, valueOrNull, nowMs, writeId));
    next.sort(BY_DOT);
    return new VersionedObject(context.join(clientContext).with(dot), Collections.unmodifiableList(next));
  }

  /**
   * The sibling made by the write with idempotency id {@code writeId}, or null.
   *
   * <p>A write retried through a second minter, after its first minter died before replicating it,
   * leaves two siblings with the same id once that minter returns. Merge keeps both (collapsing them
   * in merge breaks associativity: a property test found the counterexample), and readers show one:
   * see {@link #liveValuesOncePerWrite()}. The next write with the read's context replaces both.
   */
  public Sibling siblingOf(long writeId) {
    for (Sibling s : siblings) {
      if (s.writeId() == writeId) {
        return s;
      }
    }
    return null;
  }

  /** The dot minted by the last {@link #write} is the largest dot of its node among the siblings. */
  public Dot newestDotOf(String node) {
    Dot newest = null;
    for (Sibling s : siblings) {
      if (s.dot().node().equals(node) && (newest == null || s.dot().counter() > newest.counter())) {
        newest = s.dot();
      }
    }
    return newest;
  }

  /** The causal merge of two replicas' objects for the same key. */
  public VersionedObject merge(VersionedObject other) {
    if (other == this || other.equals(this)) {
      return this;
    }
    List<Sibling> next = new ArrayList<>(siblings.size() + other.siblings.size());
    Set<Dot> otherDots = new HashSet<>();
    for (Sibling s : other.siblings) {
      otherDots.add(s.dot());
    }
    Set<Dot> kept = new HashSet<>();
    for (Sibling s : siblings) {
      if (otherDots.contains(s.dot()) || !other.context.covers(s.dot())) {
        next.add(s);
        kept.add(s.dot());
      }
    }
    for (Sibling s : other.siblings) {
      if (!kept.contains(s.dot()) && !context.covers(s.dot())) {
        next.add(s);
      }
    }
    next.sort(BY_DOT);
    return new VersionedObject(context.join(other.context), Collections.unmodifiableList(next));
  }

  /**
   * True when this object already reflects everything in {@code other}: merging {@code other} into
   * it would change nothing. Read repair sends the merged object only to replicas for which this is false.
   */
  public boolean subsumes(VersionedObject other) {
    return merge(other).equals(this);
  }

  /** Total bytes of sibling values, a cheap size estimate. */
  public long valueBytes() {
    long n = 0;
    for (Sibling s : siblings) {
      n += s.size();
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionedObject v && context.equals(v.context) && siblings.equals(v.siblings);
  }

  @Override
  public int hashCode() {
    return context.hashCode() * 31 + siblings.hashCode();
  }

  @Override
  public String toString() {
    return "VersionedObject{context=" + context + ", siblings=" + siblings + "}";
  }
}
