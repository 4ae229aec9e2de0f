package io.ringkv.bench.ycsb;

import io.ringkv.client.CausalContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The causal contexts a YCSB client thread last read, per key, least recently used evicted beyond
 * {@code capacity}. One per thread (YCSB gives each thread its own DB instance): not thread-safe.
 */
final class ContextCache {
  private final LinkedHashMap<String, CausalContext> map;

  ContextCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("ringkv.contextcache must be >= 0, got " + capacity);
    }
    this.map = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 4 / 3 + 1, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CausalContext> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The context last stored for {@code key}, or null. */
  CausalContext get(String key) {
    return map.get(key);
  }

  void put(String key, CausalContext context) {
    if (context == null || context.isNone()) {
      map.remove(key);
    } else {
      map.put(key, context);
    }
  }

  void remove(String key) {
    map.remove(key);
  }

  int size() {
    return map.size();
  }
}
