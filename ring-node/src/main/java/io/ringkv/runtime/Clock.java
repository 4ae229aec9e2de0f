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
}
