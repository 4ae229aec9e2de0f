package io.ringkv.runtime;

/**
 * A token bucket with time as an input (no clock read, no sleep): work is charged when it is done, and
 * the next piece of work waits until {@link #readyAtMs} (pure, so it runs the same under simulation).
 * Up to one second of unused rate accumulates as burst.
 */
public final class Throttle {
  private final long perSecond;
  private long availableAtMs = Long.MIN_VALUE / 2;

  public Throttle(long perSecond) {
    if (perSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, got " + perSecond);
    }
    this.perSecond = perSecond;
  }

  /** Charges {@code amount} units of work done at {@code nowMs}. */
  public void charge(long amount, long nowMs) {
    long start = Math.max(availableAtMs, nowMs - 1000);
    availableAtMs = start + (amount * 1000 + perSecond - 1) / perSecond;
  }

  /** When the next piece of work may start; {@code <= nowMs} means now. */
  public long readyAtMs() {
    return availableAtMs;
  }

  /** Milliseconds {@code amount} units take at this rate. */
  public long durationMs(long amount) {
    return (amount * 1000 + perSecond - 1) / perSecond;
  }
}
