package io.ringkv.bench.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ringkv.client.CausalContext;
import org.junit.jupiter.api.Test;

class ContextCacheTest {
  @Test
  void evictsTheLeastRecentlyUsedKeyBeyondItsCapacity() {
    ContextCache cache = new ContextCache(2);
    CausalContext a = CausalContext.of(new byte[] {1});
    CausalContext b = CausalContext.of(new byte[] {2});
    CausalContext c = CausalContext.of(new byte[] {3});
    cache.put("a", a);
    cache.put("b", b);
    cache.get("a"); // a is now more recent than b
    cache.put("c", c);
    assertEquals(a, cache.get("a"));
    assertNull(cache.get("b"));
    assertEquals(c, cache.get("c"));
    assertEquals(2, cache.size());
  }

  @Test
  void anEmptyContextForgetsTheKey() {
    ContextCache cache = new ContextCache(4);
    cache.put("k", CausalContext.of(new byte[] {1}));
    cache.put("k", CausalContext.NONE);
    assertNull(cache.get("k"));
  }
}
