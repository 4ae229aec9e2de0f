package io.ringkv.bench.ycsb;

import io.ringkv.client.CausalContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The causal contexts a YCSB client last saw, per key, least recently used evicted beyond
 * {@code capacity}. One per process shared by all threads ({@code ringkv.contextscope=process}, the
 * default) or one per thread; thread-safe either way (a lock around a small map operation, next to a
 * network round trip).
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
  synchronized CausalContext get(String key) {
    return map.get(key);
  }

  synchronized void put(String key, CausalContext context) {
    if (context == null || context.isNone()) {
      map.remove(key);
    } else {
      map.put(key, context);
    }
  }

  synchronized void remove(String key) {
    map.remove(key);
  }

  synchronized int size() {
    return map.size();
  }
}
