package io.ringkv.storage.causality;

import java.util.Arrays;
import java.util.Objects;

/**
 * One of the concurrent versions of a key: a value, or a tombstone when {@code value} is null,
 * labelled with the dot of the write that made it. {@code writtenAtMs} is the coordinating
 * replica's clock at the write; it is informational (shown to users, used by tombstone GC) and
 * never decides which version wins. {@code writeId} is the client's idempotency id of the write
 * (0 when it gave none): a retried write carries the same id and is recognised instead of becoming a
 * second sibling.
 */
public record Sibling(Dot dot, byte[] value, long writtenAtMs, long writeId) {
  public Sibling {
    Objects.requireNonNull(dot, "dot");
  }

  public Sibling(Dot dot, byte[] value, long writtenAtMs) {
    this(dot, value, writtenAtMs, 0);
  }

  public static Sibling tombstone(Dot dot, long writtenAtMs) {
    return new Sibling(dot, null, writtenAtMs);
  }

  public boolean isTombstone() {
    return value == null;
  }

  /** Value size in bytes, 0 for a tombstone. */
  public int size() {
    return value == null ? 0 : value.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sibling s
        && dot.equals(s.dot)
        && writtenAtMs == s.writtenAtMs
        && writeId == s.writeId
        && Arrays.equals(value, s.value);
  }

  @Override
  public int hashCode() {
    return dot.hashCode() * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return dot + (value == null ? "=<tombstone>" : "=" + value.length + "B");
  }
}
