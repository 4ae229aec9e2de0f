package io.ringkv.node;

import io.ringkv.storage.ForwardingStorageEngine;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.WriteResult;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;

/**
 * A deliberately WRONG storage mode for testing the test harness (flag
 * {@code --unsafe-last-write-wins}, never for data anyone wants): every write overwrites whatever
 * the replica holds, and a merge keeps only the sibling with the newest timestamp, as
 * last-write-wins stores do. Concurrent writes are then silently lost, and the Jepsen set checker
 * must say so; if it does not, the checker has gone blind.
 */
final class LastWriteWinsStorage extends ForwardingStorageEngine {
  LastWriteWinsStorage(StorageEngine delegate) {
    super(delegate);
  }

  @Override
  public synchronized WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId,
      long nowMs, long writeId) {
    VersionedObject current = delegate.get(key);
    VersionVector all = current == null ? clientContext : current.context().join(clientContext);
    return delegate.write(key, all, valueOrNull, nodeId, nowMs, writeId);
  }

  @Override
  public synchronized VersionedObject merge(byte[] key, VersionedObject remote) {
    VersionedObject merged = delegate.merge(key, remote);
    if (merged.siblings().size() <= 1) {
      return merged;
    }
    Sibling newest = merged.siblings().get(0);
    for (Sibling s : merged.siblings()) {
      if (s.writtenAtMs() > newest.writtenAtMs()) {
        newest = s;
      }
    }
    return delegate.write(key, merged.context(), newest.value(), newest.dot().node(), newest.writtenAtMs()).current();
  }
}
