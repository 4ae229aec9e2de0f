package io.ringkv.node;

import io.ringkv.runtime.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress of one task that moves a known number of keys (a LEAVE's stream, an owner's stream to
 * a joining node), shown to operators as one line:
 * <pre>
 *   leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s
 * </pre>
 * The line is logged every {@link #INTERVAL_MS} and at the end, and published as this node's activity
 * (membership gossips it; the REPL's NODES shows it) from the start until {@link #close}, which clears
 * it. The ETA assumes the keys still to go move at the average rate so far.
 *
 * <p>Used by the task's own thread; time comes from the injected {@link Clock}.
 */
final class Progress implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Progress.class);
  /** How often the line is logged and republished (default 2 s: fresh for a human, a few log lines a minute). */
  static final long INTERVAL_MS = 2_000;

  private final String label;
  private final long totalKeys;
  private final Clock clock;
  private final BiConsumer<Object, String> activity;
  private final long startedMs;
  private long keys;
  private long bytes;
  private long shownAtMs;
  private String shown;
  private boolean closed;

  /**
   * Starts showing progress; publishes the first line at once unless there is nothing to do (an empty
   * task would only flash "100%" in NODES for the rate limit's 2 s).
   *
   * @param label what the task is, e.g. "leaving" or "streaming to n4"
   * @param totalKeys the keys the task will go through
   * @param activity where the line goes, keyed by this progress ({@code Membership::setLocalActivity})
   */
  Progress(String label, long totalKeys, Clock clock, BiConsumer<Object, String> activity) {
    if (totalKeys < 0) {
      throw new IllegalArgumentException("totalKeys must be >= 0, got " + totalKeys);
    }
    this.label = Objects.requireNonNull(label, "label");
    this.totalKeys = totalKeys;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.activity = Objects.requireNonNull(activity, "activity");
    this.startedMs = clock.nowMs();
    this.shownAtMs = startedMs;
    this.shown = line();
    if (totalKeys > 0) {
      activity.accept(this, shown);
    }
  }

  /** Records that {@code keysDone} of the keys are done and {@code bytesDone} bytes moved; shows the line when due. */
  synchronized void update(long keysDone, long bytesDone) {
    keys = Math.max(0, Math.min(keysDone, totalKeys));
    bytes = Math.max(0, bytesDone);
    long now = clock.nowMs();
    if (!closed && now - shownAtMs >= INTERVAL_MS) {
      show(now);
    }
  }

  /** The current line. */
  synchronized String line() {
    long percent = totalKeys == 0 ? 100 : keys * 100 / totalKeys;
    StringBuilder s = new StringBuilder(label).append(": ").append(percent).append("% (")
        .append(String.format(Locale.ROOT, "%,d of %,d keys, ", keys, totalKeys)).append(bytes(bytes)).append(')');
    if (keys > 0 && keys < totalKeys) {
      long elapsedMs = Math.max(0, clock.nowMs() - startedMs);
      long etaMs = (long) (elapsedMs * ((totalKeys - keys) / (double) keys));
      s.append(", ETA ").append(duration(etaMs));
    }
    return s.toString();
  }

  /** Logs the final line (unless just shown) and clears the activity; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    String last = line();
    if (!last.equals(shown)) {
      log.info(last);
    }
    activity.accept(this, "");
  }

  private void show(long now) {
    shownAtMs = now;
    shown = line();
    log.info(shown);
    activity.accept(this, shown);
  }

  /** Bytes in binary units with one decimal: 512 B, 1.2 MiB. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int unit = -1;
    while (v >= 1023.95 && unit < units.length - 1) { // 1023.95 KiB would print as 1024.0 KiB
      v /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
  }

  /** A remaining time, rounded up: 14 s below two minutes, then minutes, then hours. */
  static String duration(long ms) {
    long s = (ms + 999) / 1000;
    if (s < 120) {
      return s + " s";
    }
    long min = (s + 59) / 60;
    if (min < 120) {
      return min + " min";
    }
    return (min + 59) / 60 + " h";
  }
}
