package io.ringkv.storage;

import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;

/**
 * The outcome of a coordinated write.
 *
 * @param previous the object stored before the write, or null when the key was absent
 * @param current the object stored now
 * @param dot the dot minted for the write (for a retry, the first attempt's); null when the write was a
 *     retry of a write already superseded by a later one, which changes nothing
 */
public record WriteResult(VersionedObject previous, VersionedObject current, Dot dot) {
  /**
   * The result of {@code nodeId} applying a write with id {@code writeId} (0: none): its dot is the
   * sibling carrying the id (for a retry, the first attempt's; none when the write was superseded), or,
   * without an id, the node's newest.
   */
  public static WriteResult of(VersionedObject previous, VersionedObject current, String nodeId, long writeId) {
    Dot dot;
    if (writeId == 0) {
      dot = current.newestDotOf(nodeId);
    } else {
      Sibling mine = current.siblingOf(writeId);
      dot = mine == null ? null : mine.dot();
    }
    return new WriteResult(previous, current, dot);
  }

  /**
   * True when the key held no live value before this write (a SET "creates" it). A write that changed
   * nothing (a retry of a write already applied, or already replaced by a later one) created nothing.
   */
  public boolean created() {
    return previous == null || (previous.isDeleted() && !previous.equals(current));
  }
}
