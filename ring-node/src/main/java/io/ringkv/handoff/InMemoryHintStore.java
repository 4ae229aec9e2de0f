package io.ringkv.handoff;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** A {@link HintStore} in memory, for simulations (where it outlives a simulated crash, as the file does). */
public final class InMemoryHintStore implements HintStore {
  private final long capacity;
  private final Map<ByteBuffer, Long> hints = new TreeMap<>();

  public InMemoryHintStore(long capacity) {
    this.capacity = capacity;
  }

  @Override
  public synchronized boolean add(String owner, byte[] key, long nowMs) {
    ByteBuffer k = ByteBuffer.wrap(HintStore.encode(owner, key));
    if (hints.containsKey(k)) {
      return true;
    }
    if (hints.size() >= capacity) {
      return false;
    }
    hints.put(k, nowMs);
    return true;
  }

  @Override
  public synchronized void remove(String owner, byte[] key) {
    hints.remove(ByteBuffer.wrap(HintStore.encode(owner, key)));
  }

  @Override
  public synchronized boolean contains(String owner, byte[] key) {
    return hints.containsKey(ByteBuffer.wrap(HintStore.encode(owner, key)));
  }

  @Override
  public synchronized List<byte[]> keysFor(String owner, int max) {
    List<byte[]> out = new ArrayList<>();
    for (ByteBuffer k : hints.keySet()) {
      byte[] encoded = k.array();
      if (out.size() < max && HintStore.ownerOf(encoded).equals(owner)) {
        out.add(HintStore.keyOf(encoded));
      }
    }
    return out;
  }

  @Override
  public synchronized Set<String> owners() {
    Set<String> out = new TreeSet<>();
    for (ByteBuffer k : hints.keySet()) {
      out.add(HintStore.ownerOf(k.array()));
    }
    return out;
  }

  @Override
  public synchronized long size() {
    return hints.size();
  }

  @Override
  public long capacity() {
    return capacity;
  }

  @Override
  public void close() {}
}
