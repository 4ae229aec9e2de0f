package io.ringkv.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * Hints persisted in {@code <dataDir>/hints.dat}, a Chronicle Map from (owner, key) to the time the
 * hint was taken (8 bytes; byte[] values like the object store's, so the JVM compiles Chronicle's
 * generated code for one map shape only, which shortens a node's start). A marker file says the map is open; found at start, it means the last process died
 * with the map open, and the map is recovered before use (as the object store does). It is sized for {@code capacity} entries up front (Chronicle Map needs it), and
 * {@link #add} refuses beyond that bound rather than letting the map grow into a crash.
 */
public final class ChronicleHintStore implements HintStore {
  private final ChronicleMap<byte[], byte[]> map;
  private final long capacity;

  private final Path dirtyMarker;
  /**
   * Pending hints per owner, kept beside the map so that a delivery round, which asks every second
   * which owners have hints, does not walk a map sized for a million entries (the profile found that
   * walk taking 40% of a node's CPU while the map was empty). Rebuilt by one scan at open.
   */
  private final ConcurrentHashMap<String, AtomicLong> pending = new ConcurrentHashMap<>();

  private ChronicleHintStore(ChronicleMap<byte[], byte[]> map, long capacity, Path dirtyMarker) {
    this.map = map;
    this.capacity = capacity;
    this.dirtyMarker = dirtyMarker;
    map.forEachEntry(e -> count(HintStore.ownerOf(e.key().get()), 1));
  }

  private void count(String owner, long delta) {
    pending.computeIfAbsent(owner, o -> new AtomicLong()).addAndGet(delta);
  }

  /**
   * @param averageKeyBytes average data key size; hint keys add the owner id
   */
  public static ChronicleHintStore open(Path dataDir, long capacity, int averageKeyBytes) throws IOException {
    System.setProperty("chronicle.analytics.disable", "true");
    Files.createDirectories(dataDir);
    ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMap.of(byte[].class, byte[].class)
        .name("ringkv-hints")
        .entries(capacity)
        .averageKeySize(averageKeyBytes + 24)
        .constantValueSizeBySample(new byte[Long.BYTES]);
    Path file = dataDir.resolve("hints.dat");
    Path dirty = dataDir.resolve("hints.dirty");
    ChronicleMap<byte[], byte[]> map;
    if (Files.exists(file) && Files.exists(dirty)) {
      // the last owner did not close the map: let Chronicle repair its segment headers first
      map = builder.recoverPersistedTo(file.toFile(), true);
    } else {
      map = builder.createPersistedTo(file.toFile());
    }
    if (!Files.exists(dirty)) {
      Files.createFile(dirty);
    }
    return new ChronicleHintStore(map, capacity, dirty);
  }

  @Override
  public boolean add(String owner, byte[] key, long nowMs) {
    byte[] k = HintStore.encode(owner, key);
    if (map.containsKey(k)) {
      return true;
    }
    if (map.longSize() >= capacity) {
      return false;
    }
    try {
      if (map.putIfAbsent(k, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(nowMs).array()) == null) {
        count(owner, 1);
      }
      return true;
    } catch (IllegalStateException full) {
      return false;
    }
  }

  @Override
  public void remove(String owner, byte[] key) {
    if (map.remove(HintStore.encode(owner, key)) != null) {
      count(owner, -1);
    }
  }

  @Override
  public boolean contains(String owner, byte[] key) {
    return map.containsKey(HintStore.encode(owner, key));
  }

  @Override
  public List<byte[]> keysFor(String owner, int max) {
    List<byte[]> out = new ArrayList<>();
    AtomicLong n = pending.get(owner);
    if (n == null || n.get() <= 0) {
      return out;
    }
    map.forEachEntryWhile(e -> {
      byte[] k = e.key().get();
      if (HintStore.ownerOf(k).equals(owner)) {
        out.add(HintStore.keyOf(k));
      }
      return out.size() < max;
    });
    return out;
  }

  @Override
  public Set<String> owners() {
    Set<String> out = new TreeSet<>();
    pending.forEach((owner, n) -> {
      if (n.get() > 0) {
        out.add(owner);
      }
    });
    return out;
  }

  @Override
  public long size() {
    return map.longSize();
  }

  @Override
  public long capacity() {
    return capacity;
  }

  @Override
  public void close() {
    map.close();
    try {
      Files.deleteIfExists(dirtyMarker);
    } catch (IOException e) {
      // the next open recovers the map, which is only slower
    }
  }
}
