package io.ringkv.storage.chronicle;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Sizing of a node's Chronicle Map object store. Chronicle Map allocates its file from these numbers
 * when the file is first created and keeps them in the file's header: changing them later has no
 * effect on an existing {@code objects.dat} (a bigger store needs a new data directory, filled by
 * the node's bootstrap streaming).
 *
 * @param dataDir the node's data directory; the map lives in {@code <dataDir>/objects.dat}
 * @param entries keys the store is sized for ({@code storage.entries}, {@code --storage-entries})
 * @param averageKeyBytes expected average key size in bytes
 * @param averageValueBytes expected average size of one value in bytes (record overhead is added)
 * @param maxBloatFactor how far beyond {@code entries} (or the average sizes) the store may grow
 *     before writes fail as full
 */
public record ChronicleStorageConfig(
    Path dataDir, long entries, int averageKeyBytes, int averageValueBytes, double maxBloatFactor) {

  /** A million keys per node: a few GB of sparse file at the default value size, allocated lazily by the OS. */
  public static final long DEFAULT_ENTRIES = 1_000_000;

  /** 36 bytes: a UUID in its canonical string form, the most common key shape. */
  public static final int DEFAULT_AVERAGE_KEY_BYTES = 36;

  /** 1 KiB: a typical small JSON document; Chronicle sizes its allocation chunks from it. */
  public static final int DEFAULT_AVERAGE_VALUE_BYTES = 1024;

  /** 5x headroom over the sizing before writes fail as full, so a misjudged average does not stop a node. */
  public static final double DEFAULT_MAX_BLOAT_FACTOR = 5.0;

  /** Chronicle Map refuses bloat factors above 1000. */
  static final double MAX_BLOAT_FACTOR_LIMIT = 1000.0;

  public ChronicleStorageConfig {
    Objects.requireNonNull(dataDir, "dataDir must be set (storage.dataDir)");
    if (entries <= 0) {
      throw new IllegalArgumentException("entries must be positive, got " + entries);
    }
    if (averageKeyBytes <= 0) {
      throw new IllegalArgumentException("averageKeyBytes must be positive, got " + averageKeyBytes);
    }
    if (averageValueBytes <= 0) {
      throw new IllegalArgumentException("averageValueBytes must be positive, got " + averageValueBytes);
    }
    if (!(maxBloatFactor >= 1.0 && maxBloatFactor <= MAX_BLOAT_FACTOR_LIMIT)) {
      throw new IllegalArgumentException(
          "maxBloatFactor must be between 1.0 and " + MAX_BLOAT_FACTOR_LIMIT + ", got " + maxBloatFactor);
    }
  }

  /** The defaults, storing in {@code dataDir}. */
  public static ChronicleStorageConfig defaults(Path dataDir) {
    return new ChronicleStorageConfig(dataDir, DEFAULT_ENTRIES, DEFAULT_AVERAGE_KEY_BYTES,
        DEFAULT_AVERAGE_VALUE_BYTES, DEFAULT_MAX_BLOAT_FACTOR);
  }

  public ChronicleStorageConfig withEntries(long entries) {
    return new ChronicleStorageConfig(dataDir, entries, averageKeyBytes, averageValueBytes, maxBloatFactor);
  }

  public ChronicleStorageConfig withAverageKeyBytes(int averageKeyBytes) {
    return new ChronicleStorageConfig(dataDir, entries, averageKeyBytes, averageValueBytes, maxBloatFactor);
  }

  public ChronicleStorageConfig withAverageValueBytes(int averageValueBytes) {
    return new ChronicleStorageConfig(dataDir, entries, averageKeyBytes, averageValueBytes, maxBloatFactor);
  }

  public ChronicleStorageConfig withMaxBloatFactor(double maxBloatFactor) {
    return new ChronicleStorageConfig(dataDir, entries, averageKeyBytes, averageValueBytes, maxBloatFactor);
  }

  /** The map file, {@code <dataDir>/objects.dat}. */
  public Path objectsFile() {
    return dataDir.resolve("objects.dat");
  }
}
