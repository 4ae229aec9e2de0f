package io.ringkv.client;

/**
 * Per-request quorum and timeout. Zero means "the node's default".
 *
 * @param r replies a read waits for
 * @param w acknowledgements a write waits for
 * @param timeoutMs how long the client waits for the answer
 * @param downgrade the downgrading retry policy (Cassandra drivers' DowngradingConsistencyRetryPolicy),
 *     off by default: when the node refuses the request because fewer of the key's replicas are alive
 *     than R (or W) asks for ({@link QuorumUnavailableException}: nothing was read or stored), retry it
 *     once at the number that is alive, and say so in the result ({@code downgradedFrom}). Never on a
 *     timeout or any other failure: replicas that are alive but slow are not a reason to read less.
 *     A downgraded read may be stale; a downgraded write is on fewer replicas than asked (hinted handoff
 *     and anti-entropy copy it on when the others are back).
 */
public record RequestOptions(int r, int w, long timeoutMs, boolean downgrade) {
  public static final RequestOptions DEFAULTS = new RequestOptions(0, 0, 0, false);

  public RequestOptions {
    if (r < 0 || w < 0 || timeoutMs < 0) {
      throw new IllegalArgumentException("r, w and timeoutMs must be >= 0, got r=" + r + " w=" + w + " timeoutMs=" + timeoutMs);
    }
  }

  /** Strict options: no downgrade. */
  public RequestOptions(int r, int w, long timeoutMs) {
    this(r, w, timeoutMs, false);
  }

  public RequestOptions withQuorums(int r, int w) {
    return new RequestOptions(r, w, timeoutMs, downgrade);
  }

  public RequestOptions withDowngrade(boolean on) {
    return new RequestOptions(r, w, timeoutMs, on);
  }
}
