package io.ringkv.storage;

/**
 * Per-object limits, enforced on every coordinated write before anything is stored.
 *
 * @param keyBytesMax largest key in bytes (default 1 KiB: keys are identifiers, and every sibling's
 *     hint, Merkle leaf and wire frame carries the key)
 * @param valueBytesMax largest value in bytes (default 1 MiB: bigger objects belong in a blob store;
 *     Riak warns at 5 MB and Cassandra at a few MB per cell)
 * @param siblingsWarn sibling count at which a write is logged as a warning (Riak: 25)
 * @param siblingsMax sibling count above which a write is refused (Riak: 100)
 */
public record StorageLimits(int keyBytesMax, int valueBytesMax, int siblingsWarn, int siblingsMax) {
  public static final StorageLimits DEFAULTS = new StorageLimits(1024, 1024 * 1024, 25, 100);

  public StorageLimits {
    if (keyBytesMax <= 0 || valueBytesMax <= 0 || siblingsWarn <= 0 || siblingsMax < siblingsWarn) {
      throw new IllegalArgumentException("invalid storage limits: key=" + keyBytesMax + " value=" + valueBytesMax
          + " siblingsWarn=" + siblingsWarn + " siblingsMax=" + siblingsMax);
    }
  }
}
