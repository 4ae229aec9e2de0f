package io.ringkv.storage;

/**
 * A snapshot of a store's size.
 *
 * @param keys keys stored (tombstoned keys included)
 * @param capacityKeys the configured entry capacity, or -1 when unbounded
 * @param bytesUsed approximate bytes of stored records, or -1 when unknown
 */
public record StorageStats(long keys, long capacityKeys, long bytesUsed) {}
