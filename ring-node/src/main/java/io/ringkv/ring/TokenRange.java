package io.ringkv.ring;

import java.util.List;

/**
 * The ring arc (start, end]: start exclusive, end inclusive, wrapping past {@link Long#MAX_VALUE} when
 * {@code start >= end}; {@code start == end} is the whole ring (a ring with one token).
 *
 * @param replicas the ids of the first N distinct nodes clockwise from the range, primary first
 */
public record TokenRange(long start, long end, List<String> replicas) {
  public TokenRange {
    replicas = List.copyOf(replicas);
  }

  public boolean contains(long token) {
    if (start < end) {
      return token > start && token <= end;
    }
    return token > start || token <= end;
  }

  /** The arc's share of the ring, in (0, 1]. */
  public double fraction() {
    return start == end ? 1.0 : Ring.unsignedToDouble(end - start) / Ring.RING_SIZE;
  }
}
