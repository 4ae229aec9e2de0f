package io.ringkv.protocol;

/** Why a request failed. */
public enum ErrorCode {
  /** Malformed request: bad key format, missing field, unknown option. Not retryable. */
  BAD_REQUEST,
  /** Key, value or sibling count over its limit. Not retryable. */
  LIMIT_EXCEEDED,
  /** The store on a replica is full. Retryable after the operator raises capacity. */
  STORE_FULL,
  /**
   * Fewer replicas than required answered; the message says how many of how many. For a write: none
   * stored it (otherwise the code is INDETERMINATE).
   */
  UNAVAILABLE,
  /** The request did not complete in time. Its effect is unknown. */
  TIMEOUT,
  /** A queue or in-flight bound was hit; retry later. */
  OVERLOADED,
  /** Unexpected failure in the node. */
  INTERNAL,
  /** The peer spoke the protocol wrongly (version, handshake, unknown message). */
  PROTOCOL,
  /**
   * A write (PUT or DELETE) that reached a replica but was not confirmed by enough of them (too few
   * acknowledged, or the connection was lost before the reply): it may be stored on some replicas and
   * show up in later reads, or not. Unlike UNAVAILABLE (nothing was stored), its outcome is unknown,
   * as with TIMEOUT (Cassandra's WriteTimeoutException against its UnavailableException).
   */
  INDETERMINATE,
  /** The connection's Hello named no user, or a wrong one, or the password is wrong. Not retryable. */
  UNAUTHENTICATED,
  /** The user's role does not allow the request, e.g. {@code permission denied (admin role required)}. */
  PERMISSION_DENIED
}
