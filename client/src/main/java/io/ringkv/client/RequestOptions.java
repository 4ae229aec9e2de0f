package io.ringkv.client;

/**
 * Per-request quorum and timeout. Zero means "the node's default".
 *
 * @param r replies a read waits for
 * @param w acknowledgements a write waits for
 * @param timeoutMs how long the client waits for the answer
 */
public record RequestOptions(int r, int w, long timeoutMs) {
  public static final RequestOptions DEFAULTS = new RequestOptions(0, 0, 0);

  public RequestOptions {
    if (r < 0 || w < 0 || timeoutMs < 0) {
      throw new IllegalArgumentException("r, w and timeoutMs must be >= 0, got r=" + r + " w=" + w + " timeoutMs=" + timeoutMs);
    }
  }

  public RequestOptions withQuorums(int r, int w) {
    return new RequestOptions(r, w, timeoutMs);
  }
}
