package io.ringkv.transfer;

/**
 * Bounds and pace of a {@link Transfer}. Every field has a unit in its name and a default in
 * {@link #DEFAULTS} with its reason.
 *
 * @param inFlightMax merges sent and not yet answered, at most (default 256: enough to fill loopback,
 *     bounded memory: each holds one object)
 * @param bytesPerSecond the stream's rate, keys plus values (default 16 MiB/s: 1 GB moves in about a
 *     minute without starving clients)
 * @param ackTimeoutMs a merge not answered this long counts as failed (default 10000: well above a
 *     loaded peer's merge time; the transfer's caller retries a failed transfer)
 * @param loadBatchKeys keys read from storage per load (default 1024: bounds the objects held between
 *     a load and their sends)
 */
public record TransferConfig(int inFlightMax, long bytesPerSecond, long ackTimeoutMs, int loadBatchKeys) {
  public static final TransferConfig DEFAULTS = new TransferConfig(256, 16L << 20, 10_000, 1024);

  public TransferConfig {
    positive("inFlightMax", inFlightMax);
    positive("bytesPerSecond", bytesPerSecond);
    positive("ackTimeoutMs", ackTimeoutMs);
    positive("loadBatchKeys", loadBatchKeys);
  }

  public TransferConfig withBytesPerSecond(long v) {
    return new TransferConfig(inFlightMax, v, ackTimeoutMs, loadBatchKeys);
  }

  private static void positive(String field, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(field + " must be positive, got " + v);
    }
  }
}
