package io.ringkv.node;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.PutResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every write and delete a run's writers issued, per key, so that the end state can be checked against
 * what the cluster acknowledged.
 *
 * <p>Each key has one writer at a time, and every operation on a key carries the causal context the
 * previous acknowledged operation returned (a create carries none). So after an acknowledged write of
 * value {@code s}, every replica that converged must hold {@code s}, unless a later operation
 * overwrote it. An operation that failed (timeout, unavailable) may or may not have landed; the key is
 * then <em>retired</em>: no further operation touches it, and both outcomes are accepted. That keeps
 * the model exact without guessing which failed writes landed.
 *
 * <p>Values name their key and a per-key sequence number ({@code k00000042#7#xxxx...}), so a value
 * read back is traced to the operation that wrote it: a value no operation wrote is reported as
 * unknown, an acknowledged value that a later acknowledged write (with its context) replaced is
 * reported as stale, and any value of a key whose last acknowledged operation was a delete is a
 * resurrection.
 */
final class WriteLedger {
  /** What a read of a key found, against the ledger. */
  enum Verdict {
    /** The acknowledged state (or the failed operation's outcome) is what was read. */
    OK,
    /** The last acknowledged write's value is not there, and no later operation explains its absence. */
    MISSING,
    /** The last acknowledged operation was a delete, and a value is back. */
    RESURRECTED,
    /** A value no operation of this run wrote for this key. */
    UNKNOWN_VALUE,
    /** The acknowledged value is there, but so is an older acknowledged value its write replaced. */
    STALE,
    /**
     * The value of a write that was in flight when the writer's client failed over to another node is
     * there beside the acknowledged state (or instead of a delete): the client retried that write on
     * the other node, so it may exist under two dots, and the next operation's context (from the
     * retried write's reply) covered only one (ARCHITECTURE.md, "Idempotent retries": both siblings stay).
     */
    RETRIED_SIBLING
  }

  /** One key's history. Mutated only by the one writer thread that owns the key at the time. */
  static final class KeyState {
    final int index;
    final String key;
    final byte[] keyBytes;
    /** Sequence number of the next operation on this key. */
    int nextSeq;
    /** The last acknowledged operation's sequence number, -1 while none. */
    int ackedSeq = -1;
    boolean ackedDelete;
    /** The context the last acknowledged write returned; a delete's is not needed (deleted keys are not written again). */
    CausalContext context = CausalContext.NONE;
    /** The failed operation that retired the key, -1 while none. */
    int failedSeq = -1;
    boolean failedDelete;
    /** A write that was in flight while the writer's client failed over (it may have been sent twice), -1 if none. */
    int retriedSeq = -1;

    KeyState(int index) {
      this.index = index;
      this.key = keyName(index);
      this.keyBytes = key.getBytes(StandardCharsets.UTF_8);
    }

    boolean retired() {
      return failedSeq >= 0;
    }

    /** A live key a writer may update or delete: last acknowledged as written, never failed. */
    boolean live() {
      return ackedSeq >= 0 && !ackedDelete && !retired();
    }
  }

  /** How an operation ended: acknowledged, or failed with an error code. */
  record Outcome(boolean acked, String error) {
    static final Outcome ACKED = new Outcome(true, null);
  }

  private final int valueBytes;
  private final ConcurrentHashMap<Integer, KeyState> keys = new ConcurrentHashMap<>();

  final LongAdder ackedPuts = new LongAdder();
  final LongAdder ackedDeletes = new LongAdder();
  final LongAdder failedPuts = new LongAdder();
  final LongAdder failedDeletes = new LongAdder();

  WriteLedger(int valueBytes) {
    this.valueBytes = valueBytes;
  }

  static String keyName(int index) {
    return String.format("k%08d", index);
  }

  /** The state of key {@code index}, made on first use. */
  KeyState key(int index) {
    return keys.computeIfAbsent(index, KeyState::new);
  }

  List<KeyState> all() {
    return new ArrayList<>(keys.values());
  }

  int size() {
    return keys.size();
  }

  byte[] value(KeyState s, int seq) {
    StringBuilder b = new StringBuilder(valueBytes).append(s.key).append('#').append(seq).append('#');
    while (b.length() < valueBytes) {
      b.append('x');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes the key's next value with the context of its last acknowledged write (none for a new key).
   * A failed write retires the key.
   */
  Outcome write(BlockingRingkvClient client, KeyState s, RequestOptions options) {
    int seq = startWrite(s);
    try {
      return putDone(s, seq, client.put(s.keyBytes, value(s, seq), s.context, options), null);
    } catch (RingkvException e) {
      return putDone(s, seq, null, e);
    }
  }

  /**
   * As {@link #write}, without waiting: the caller must not start another operation on this key before
   * the future completes (it completes on a client thread).
   */
  CompletableFuture<Outcome> writeAsync(RingkvClient client, KeyState s, RequestOptions options) {
    int seq = startWrite(s);
    try {
      return client.put(s.keyBytes, value(s, seq), s.context, options).handle((r, e) -> putDone(s, seq, r, e));
    } catch (RingkvException e) {
      return CompletableFuture.completedFuture(putDone(s, seq, null, e));
    }
  }

  private int startWrite(KeyState s) {
    if (s.retired() || s.ackedDelete) {
      throw new IllegalStateException(s.key + " is retired or deleted; the writer must not touch it");
    }
    return s.nextSeq++;
  }

  private Outcome putDone(KeyState s, int seq, PutResult r, Throwable e) {
    if (e == null) {
      s.ackedSeq = seq;
      s.ackedDelete = false;
      s.context = r.context();
      ackedPuts.increment();
      return Outcome.ACKED;
    }
    s.failedSeq = seq;
    s.failedDelete = false;
    failedPuts.increment();
    return new Outcome(false, code(e));
  }

  /** Deletes a live key with the context of its last acknowledged write; a failed delete retires it. */
  Outcome delete(BlockingRingkvClient client, KeyState s, RequestOptions options) {
    if (!s.live()) {
      throw new IllegalStateException(s.key + " is not live; the writer must not delete it");
    }
    int seq = s.nextSeq++;
    try {
      client.delete(s.keyBytes, s.context, options);
      s.ackedSeq = seq;
      s.ackedDelete = true;
      s.context = CausalContext.NONE;
      ackedDeletes.increment();
      return Outcome.ACKED;
    } catch (RingkvException e) {
      s.failedSeq = seq;
      s.failedDelete = true;
      failedDeletes.increment();
      return new Outcome(false, code(e));
    }
  }

  private static String code(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof RingkvException r ? r.code().name() : t.getClass().getSimpleName();
  }

  /** The sequence number a value carries for key {@code s}, or -1 if the value is not one of its values. */
  static int seqOf(KeyState s, byte[] value) {
    String v = new String(value, StandardCharsets.UTF_8);
    int a = v.indexOf('#');
    int b = a < 0 ? -1 : v.indexOf('#', a + 1);
    if (a < 0 || b < 0 || !v.substring(0, a).equals(s.key)) {
      return -1;
    }
    try {
      return Integer.parseInt(v.substring(a + 1, b));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Judges what a converged read (or one converged replica) holds for the key: the live values it
   * returned. The worst finding wins: unknown, then resurrected or missing, then stale, then a retried
   * write's sibling.
   */
  static Verdict check(KeyState s, List<byte[]> values) {
    Set<Integer> seen = new HashSet<>();
    for (byte[] v : values) {
      int seq = seqOf(s, v);
      boolean written = seq >= 0 && seq < s.nextSeq
          && !(seq == s.ackedSeq && s.ackedDelete) && !(seq == s.failedSeq && s.failedDelete);
      if (!written) {
        return Verdict.UNKNOWN_VALUE;
      }
      seen.add(seq);
    }
    // the one operation whose outcome is unknown: its value may be there (it landed) or not
    Set<Integer> allowed = new HashSet<>();
    if (s.failedSeq >= 0 && !s.failedDelete) {
      allowed.add(s.failedSeq);
    }
    // a retried write's second copy, left beside what came after it
    Set<Integer> retried = new HashSet<>();
    if (s.retriedSeq >= 0 && s.retriedSeq != s.ackedSeq) {
      retried.add(s.retriedSeq);
    }
    Set<Integer> unexplained = new HashSet<>(seen);
    unexplained.removeAll(allowed);
    if (s.ackedSeq < 0) {
      // never acknowledged: only the failed create may be there
      return unexplained.isEmpty() ? Verdict.OK : Verdict.UNKNOWN_VALUE;
    }
    if (s.ackedDelete) {
      if (unexplained.isEmpty()) {
        return Verdict.OK;
      }
      return retried.containsAll(unexplained) ? Verdict.RETRIED_SIBLING : Verdict.RESURRECTED;
    }
    boolean present = seen.contains(s.ackedSeq)
        || (s.failedSeq >= 0 && !s.failedDelete && seen.contains(s.failedSeq))
        || (s.failedSeq >= 0 && s.failedDelete && unexplained.stream().allMatch(retried::contains));
    if (!present) {
      return Verdict.MISSING;
    }
    unexplained.remove(s.ackedSeq);
    if (unexplained.isEmpty()) {
      return Verdict.OK;
    }
    return retried.containsAll(unexplained) ? Verdict.RETRIED_SIBLING : Verdict.STALE;
  }

  /** One line for a report: the key's history and what was read. */
  static String describe(KeyState s, List<byte[]> values) {
    List<Integer> seqs = new ArrayList<>();
    for (byte[] v : values) {
      seqs.add(seqOf(s, v));
    }
    return s.key + ": acked #" + s.ackedSeq + (s.ackedDelete ? " (delete)" : "")
        + (s.failedSeq >= 0 ? ", failed #" + s.failedSeq + (s.failedDelete ? " (delete)" : "") : "")
        + (s.retriedSeq >= 0 ? ", #" + s.retriedSeq + " in flight during a client failover" : "")
        + ", read " + (values.isEmpty() ? "nothing" : "#" + Arrays.toString(seqs.toArray()));
  }
}
