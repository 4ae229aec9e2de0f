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

  /**
   * Checks a coordinated write's key and value against {@link #keyBytesMax} and {@link #valueBytesMax}.
   *
   * @throws LimitExceededException naming the limit, e.g. "value is 2000000 bytes, over the limit valueBytesMax=1048576"
   */
  public void checkWrite(byte[] key, byte[] valueOrNull) {
    if (key.length > keyBytesMax) {
      throw new LimitExceededException("key is " + key.length + " bytes, over the limit keyBytesMax=" + keyBytesMax);
    }
    if (valueOrNull != null && valueOrNull.length > valueBytesMax) {
      throw new LimitExceededException(
          "value is " + valueOrNull.length + " bytes, over the limit valueBytesMax=" + valueBytesMax);
    }
  }

  /**
   * Checks the sibling count a coordinated write would leave.
   *
   * @return true when the count has reached {@link #siblingsWarn} (the caller logs a warning)
   * @throws LimitExceededException when the count is over {@link #siblingsMax}
   */
  public boolean checkSiblings(int siblings) {
    if (siblings > siblingsMax) {
      throw new LimitExceededException("write would leave " + siblings
          + " siblings, over the limit siblingsMax=" + siblingsMax
          + " (too many concurrent writers, or clients writing without the context of their last read)");
    }
    return siblings >= siblingsWarn;
  }
}
