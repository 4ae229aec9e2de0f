package io.ringkv.http;

/**
 * Bounds of a node's HTTP listener. Every one has a unit in its name and a reason for its default.
 *
 * @param maxContentBytes largest request body; a PUT body is the value, so it is the value limit
 *     (1 MiB); a larger body is answered 413 before it is read in full, and the connection closed
 * @param maxInitialLineBytes longest request line (method, path, query); a key is at most 1 KiB and may be
 *     percent-encoded (3 bytes per byte), so 8 KiB; longer is 414
 * @param maxHeaderBytes all headers together; a context is at most 64 KiB raw, 88 KiB in base64, so
 *     96 KiB; more is 431
 * @param maxConnections open HTTP connections per node; more are answered 503 and closed
 * @param maxPipelinedRequests requests a client may send ahead on one keep-alive connection while one is
 *     being answered (HTTP/1.1 answers in order, so one runs at a time); more is 429 and a close
 * @param requestReadTimeoutMs time from a request's first byte to its last (a slow client holding a
 *     connection open with a trickle of bytes is answered 408 and closed)
 * @param idleTimeoutMs a keep-alive connection with no traffic for this long is closed
 */
public record HttpConfig(int maxContentBytes, int maxInitialLineBytes, int maxHeaderBytes, int maxConnections,
    int maxPipelinedRequests, long requestReadTimeoutMs, long idleTimeoutMs) {

  /** The defaults, for a value limit of 1 MiB. */
  public static final HttpConfig DEFAULTS = new HttpConfig(1 << 20, 8 * 1024, 96 * 1024, 1_024, 16, 10_000, 60_000);

  public HttpConfig {
    if (maxContentBytes < 1) {
      throw new IllegalArgumentException("maxContentBytes must be >= 1, got " + maxContentBytes);
    }
    if (maxInitialLineBytes < 256 || maxHeaderBytes < 1024) {
      throw new IllegalArgumentException("maxInitialLineBytes must be >= 256 and maxHeaderBytes >= 1024, got "
          + maxInitialLineBytes + " and " + maxHeaderBytes);
    }
    if (maxConnections < 1 || maxPipelinedRequests < 1) {
      throw new IllegalArgumentException("maxConnections and maxPipelinedRequests must be >= 1, got "
          + maxConnections + " and " + maxPipelinedRequests);
    }
    if (requestReadTimeoutMs < 1 || idleTimeoutMs < 1) {
      throw new IllegalArgumentException("requestReadTimeoutMs and idleTimeoutMs must be >= 1, got "
          + requestReadTimeoutMs + " and " + idleTimeoutMs);
    }
  }

  public HttpConfig withMaxContentBytes(int bytes) {
    return new HttpConfig(bytes, maxInitialLineBytes, maxHeaderBytes, maxConnections, maxPipelinedRequests,
        requestReadTimeoutMs, idleTimeoutMs);
  }

  public HttpConfig withRequestReadTimeoutMs(long ms) {
    return new HttpConfig(maxContentBytes, maxInitialLineBytes, maxHeaderBytes, maxConnections, maxPipelinedRequests,
        ms, idleTimeoutMs);
  }
}
