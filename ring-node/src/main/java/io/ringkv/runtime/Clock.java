package io.ringkv.runtime;

/**
 * The node's only source of time (STYLE.md 1; Caffeine's {@code Ticker}). The core reads time only
 * through it, so a whole cluster can run in one thread under a simulated clock.
 */
@FunctionalInterface
public interface Clock {
  /** Milliseconds on a monotonic-enough timeline; only differences are meaningful. */
  long nowMs();

  /** The wall clock. */
  static Clock system() {
    return System::currentTimeMillis;
  }

  /** The wall clock shifted by {@code offsetMs}: a node whose clock is skewed (a test of clock faults). */
  static Clock system(long offsetMs) {
    return offsetMs == 0 ? system() : () -> System.currentTimeMillis() + offsetMs;
  }
}
