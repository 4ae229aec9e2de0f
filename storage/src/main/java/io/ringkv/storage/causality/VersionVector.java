package io.ringkv.storage.causality;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable version vector: for each replica id, the highest counter of that replica's dots that
 * has been seen. Because a replica mints the dots of a key with contiguous counters, the vector
 * {@code {a:3}} stands for the dots {@code a:1, a:2, a:3}.
 *
 * <p>Join is the point-wise maximum, so it is commutative, associative and idempotent.
 */
public final class VersionVector {
  public static final VersionVector EMPTY = new VersionVector(new TreeMap<>());

  private final TreeMap<String, Long> counters;

  private VersionVector(TreeMap<String, Long> counters) {
    this.counters = counters;
  }

  public static VersionVector of(Map<String, Long> counters) {
    TreeMap<String, Long> copy = new TreeMap<>();
    counters.forEach((node, counter) -> {
      Objects.requireNonNull(node, "node");
      if (counter == null || counter < 0) {
        throw new IllegalArgumentException("counter for " + node + " must be >= 0, got " + counter);
      }
      if (counter > 0) {
        copy.put(node, counter);
      }
    });
    return copy.isEmpty() ? EMPTY : new VersionVector(copy);
  }

  /** The highest counter seen for {@code node}, 0 when none. */
  public long get(String node) {
    Long c = counters.get(node);
    return c == null ? 0 : c;
  }

  public boolean covers(Dot dot) {
    return get(dot.node()) >= dot.counter();
  }

  /** True when every dot summarised by {@code other} is also summarised by this vector. */
  public boolean descends(VersionVector other) {
    for (Map.Entry<String, Long> e : other.counters.entrySet()) {
      if (get(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  public VersionVector join(VersionVector other) {
    if (other.counters.isEmpty() || this == other) {
      return this;
    }
    if (counters.isEmpty()) {
      return other;
    }
    TreeMap<String, Long> joined = new TreeMap<>(counters);
    other.counters.forEach((node, c) -> joined.merge(node, c, Math::max));
    return new VersionVector(joined);
  }

  /** This vector extended to cover {@code dot}. */
  public VersionVector with(Dot dot) {
    if (covers(dot)) {
      return this;
    }
    TreeMap<String, Long> next = new TreeMap<>(counters);
    next.put(dot.node(), dot.counter());
    return new VersionVector(next);
  }

  public Map<String, Long> asMap() {
    return Collections.unmodifiableMap(counters);
  }

  public boolean isEmpty() {
    return counters.isEmpty();
  }

  public int size() {
    return counters.size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionVector v && counters.equals(v.counters);
  }

  @Override
  public int hashCode() {
    return counters.hashCode();
  }

  @Override
  public String toString() {
    return counters.toString();
  }
}
