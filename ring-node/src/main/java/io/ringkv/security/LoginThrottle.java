package io.ringkv.security;

import io.ringkv.runtime.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Slows password guessing: each failed login from a source (an IP address) makes it wait before its
 * next attempt, {@link #BACKOFF_MIN_MS} after the first failure, doubling up to {@link #BACKOFF_MAX_MS};
 * an attempt during the wait is refused without checking the password, so guesses per source are at
 * most one per wait. A success, or {@link #FORGET_AFTER_MS} without a failure, clears the source.
 *
 * <p>Bounded: at most {@code sourcesMax} sources are tracked; beyond it the least recently seen one is
 * forgotten (an attacker with that many addresses gets a fresh wait on the oldest one, no more). Time
 * is an injected {@link Clock}. Thread-safe (one lock; every call is a few map operations).
 */
public final class LoginThrottle {
  /** Wait after the first failure (default 250 ms: a typo costs nothing a person notices). */
  public static final long BACKOFF_MIN_MS = 250;
  /** Longest wait (default 30 s: 2,880 guesses a day per address, and an operator locked out briefly at worst). */
  public static final long BACKOFF_MAX_MS = 30_000;
  /** A source without failures for this long starts over (default 10 min). */
  public static final long FORGET_AFTER_MS = 600_000;
  /** Sources tracked at once by default (10,000: ~100 bytes each). */
  public static final int SOURCES_MAX = 10_000;

  private static final class Entry {
    int failures;
    long lastFailureMs;
    long retryAtMs;
  }

  private final Clock clock;
  private final int sourcesMax;
  private final LinkedHashMap<String, Entry> sources;

  public LoginThrottle(Clock clock, int sourcesMax) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (sourcesMax <= 0) {
      throw new IllegalArgumentException("sourcesMax must be > 0, got " + sourcesMax);
    }
    this.sourcesMax = sourcesMax;
    this.sources = new LinkedHashMap<>(16, 0.75f, true) {
      // LoginThrottle.Entry, not Entry: in this LinkedHashMap subclass JDK 25's javac (even with --release 17)
      // reads a plain Entry as Map.Entry, JDK 17's as ours; the first made this a name clash, not an override
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, LoginThrottle.Entry> eldest) {
        return size() > LoginThrottle.this.sourcesMax;
      }
    };
  }

  /** Milliseconds {@code source} must still wait before an attempt is checked; 0 when it may try now. */
  public synchronized long waitMs(String source) {
    long now = clock.nowMs();
    Entry e = sources.get(source);
    if (e == null) {
      return 0;
    }
    if (now - e.lastFailureMs >= FORGET_AFTER_MS) {
      sources.remove(source);
      return 0;
    }
    return Math.max(0, e.retryAtMs - now);
  }

  /** Records a failed login from {@code source}; returns its new wait in ms. */
  public synchronized long failed(String source) {
    long now = clock.nowMs();
    Entry e = sources.get(source);
    if (e == null || now - e.lastFailureMs >= FORGET_AFTER_MS) {
      e = new Entry();
      sources.put(source, e);
    }
    e.failures = Math.min(e.failures + 1, 30);
    e.lastFailureMs = now;
    long wait = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS << Math.min(e.failures - 1, 20));
    e.retryAtMs = now + wait;
    return wait;
  }

  /** A successful login: the source starts over. */
  public synchronized void succeeded(String source) {
    sources.remove(source);
  }

  /** Failures counted for {@code source} (0 when not tracked). */
  public synchronized int failures(String source) {
    Entry e = sources.get(source);
    return e == null ? 0 : e.failures;
  }

  /** Sources tracked now. */
  public synchronized int size() {
    return sources.size();
  }
}
