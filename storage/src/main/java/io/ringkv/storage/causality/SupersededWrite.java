package io.ringkv.storage.causality;

import java.util.Comparator;

/**
 * A client write (by its idempotency id) that a later write or delete replaced, and when: an entry of a
 * {@link VersionedObject}'s superseded set. {@code atMs} is the minting replica's clock when the
 * replacing write was applied (or, for an entry learnt while merging, the replaced sibling's own
 * {@code writtenAtMs}); it only decides which entries an object forgets first, never what a reader sees.
 */
public record SupersededWrite(long writeId, long atMs) {
  /** The order in which an object keeps entries: newest first, then by write id (a total order). */
  public static final Comparator<SupersededWrite> NEWEST_FIRST =
      Comparator.comparingLong(SupersededWrite::atMs).thenComparingLong(SupersededWrite::writeId).reversed();

  public SupersededWrite {
    if (writeId == 0) {
      throw new IllegalArgumentException("write id 0 means 'no id' and cannot be superseded");
    }
  }

  @Override
  public String toString() {
    return Long.toHexString(writeId) + "@" + atMs;
  }
}
