package io.ringkv.storage;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.function.BiConsumer;

/**
 * A {@link StorageEngine} that passes every call to another one; decorators (the anti-entropy trees,
 * the test-only last-write-wins mode) override what they change and inherit the rest.
 */
public abstract class ForwardingStorageEngine implements StorageEngine {
  protected final StorageEngine delegate;

  protected ForwardingStorageEngine(StorageEngine delegate) {
    this.delegate = delegate;
  }

  @Override
  public VersionedObject get(byte[] key) {
    return delegate.get(key);
  }

  @Override
  public WriteResult write(byte[] key, VersionVector clientContext, byte[] valueOrNull, String nodeId, long nowMs,
      long writeId) {
    return delegate.write(key, clientContext, valueOrNull, nodeId, nowMs, writeId);
  }

  @Override
  public VersionedObject merge(byte[] key, VersionedObject remote) {
    return delegate.merge(key, remote);
  }

  @Override
  public boolean removeIfUnchanged(byte[] key, VersionedObject expected) {
    return delegate.removeIfUnchanged(key, expected);
  }

  @Override
  public void forEach(BiConsumer<byte[], VersionedObject> action) {
    delegate.forEach(action);
  }

  @Override
  public Cursor cursor() {
    return delegate.cursor();
  }

  @Override
  public StorageStats stats() {
    return delegate.stats();
  }

  @Override
  public StorageLimits limits() {
    return delegate.limits();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
