package io.ringkv.bench.ycsb;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters the binding keeps for the report, over all threads of one YCSB run: how many updates carried
 * a context, and how many siblings reads saw. Printed as one line by the last thread to clean up.
 */
final class BindingStats {
  /** Sibling counts are tallied exactly up to this; larger counts land in the last bucket. */
  static final int SIBLING_BUCKETS = 128;

  final AtomicLong reads = new AtomicLong();
  final AtomicLong readsNotFound = new AtomicLong();
  final AtomicLong readsWithSiblings = new AtomicLong();
  final AtomicLong maxSiblings = new AtomicLong();
  final AtomicLongArray siblingHistogram = new AtomicLongArray(SIBLING_BUCKETS);
  final AtomicLong updatesWithContext = new AtomicLong();
  final AtomicLong updatesBlind = new AtomicLong();
  final AtomicLong updatesReadFirst = new AtomicLong();
  final AtomicLong inserts = new AtomicLong();
  final AtomicLong deletes = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong unavailable = new AtomicLong();

  void recordRead(int siblings) {
    reads.incrementAndGet();
    if (siblings == 0) {
      readsNotFound.incrementAndGet();
    } else if (siblings > 1) {
      readsWithSiblings.incrementAndGet();
    }
    siblingHistogram.incrementAndGet(Math.min(siblings, SIBLING_BUCKETS - 1));
    maxSiblings.accumulateAndGet(siblings, Math::max);
  }

  /** One line, {@code key=value} pairs, that bench/bin/run-cluster-bench parses. */
  String line() {
    long found = reads.get() - readsNotFound.get();
    long siblingSum = 0;
    for (int i = 1; i < SIBLING_BUCKETS; i++) {
      siblingSum += (long) i * siblingHistogram.get(i);
    }
    StringBuilder histogram = new StringBuilder();
    for (int i = 2; i < SIBLING_BUCKETS; i++) {
      long n = siblingHistogram.get(i);
      if (n > 0) {
        histogram.append(histogram.length() == 0 ? "" : ",").append(i).append(':').append(n);
      }
    }
    return "reads=" + reads.get()
        + " readsNotFound=" + readsNotFound.get()
        + " readsWithSiblings=" + readsWithSiblings.get()
        + String.format(" meanSiblingsPerFoundRead=%.3f", found == 0 ? 0.0 : (double) siblingSum / found)
        + " maxSiblings=" + maxSiblings.get()
        + " siblingHistogram=" + (histogram.length() == 0 ? "-" : histogram)
        + " updatesWithContext=" + updatesWithContext.get()
        + " updatesBlind=" + updatesBlind.get()
        + " updatesReadFirst=" + updatesReadFirst.get()
        + " inserts=" + inserts.get()
        + " deletes=" + deletes.get()
        + " errors=" + errors.get()
        + " timeouts=" + timeouts.get()
        + " unavailable=" + unavailable.get();
  }
}
