package io.ringkv.cli;

import io.ringkv.client.CausalContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The causal contexts this session last read or wrote, per key, least recently used first out.
 *
 * <p>Dynamo's contract is read-then-write: a write carrying the context of a read replaces exactly
 * what was read, and a write without one becomes a sibling. The REPL keeps the last context per key
 * so that {@code GET k} then {@code SET k v} replaces what the user saw, not what exists now.
 * Bounded: a forgotten key only costs one extra read before its next write.
 */
final class ContextMemory {
  /** Keys remembered; enough for any interactive session, small enough (a few MB) to never matter. */
  static final int DEFAULT_MAX_KEYS = 10_000;

  private final Map<String, CausalContext> contexts;

  ContextMemory(int maxKeys) {
    if (maxKeys <= 0) {
      throw new IllegalArgumentException("maxKeys must be > 0, got " + maxKeys);
    }
    this.contexts = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CausalContext> eldest) {
        return size() > maxKeys;
      }
    };
  }

  /** The remembered context, or null when this session has not read or written the key. */
  CausalContext get(String key) {
    return contexts.get(key);
  }

  void remember(String key, CausalContext context) {
    contexts.put(key, context);
  }

  void forget(String key) {
    contexts.remove(key);
  }

  int size() {
    return contexts.size();
  }
}
