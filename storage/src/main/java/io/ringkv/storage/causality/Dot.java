package io.ringkv.storage.causality;

import java.util.Objects;

/**
 * One event in a key's history: the {@code counter}-th write coordinated by replica {@code node}.
 * Dots are minted only by the replica that stores the write first, so for a given key the counters
 * of one node are contiguous and a {@link VersionVector} can summarise any set of seen dots.
 */
public record Dot(String node, long counter) implements Comparable<Dot> {
  public Dot {
    Objects.requireNonNull(node, "node");
    if (counter <= 0) {
      throw new IllegalArgumentException("dot counter must be positive, got " + counter);
    }
  }

  @Override
  public int compareTo(Dot o) {
    int c = node.compareTo(o.node);
    return c != 0 ? c : Long.compare(counter, o.counter);
  }

  @Override
  public String toString() {
    return node + ":" + counter;
  }
}
