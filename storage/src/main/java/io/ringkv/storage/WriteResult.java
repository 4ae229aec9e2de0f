package io.ringkv.storage;

import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.VersionedObject;

/**
 * The outcome of a coordinated write.
 *
 * @param previous the object stored before the write, or null when the key was absent
 * @param current the object stored now
 * @param dot the dot minted for the write
 */
public record WriteResult(VersionedObject previous, VersionedObject current, Dot dot) {
  /** True when the key held no live value before this write (a SET "creates" it). */
  public boolean created() {
    return previous == null || previous.isDeleted();
  }
}
