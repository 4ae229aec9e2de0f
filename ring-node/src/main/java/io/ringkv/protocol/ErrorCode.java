package io.ringkv.protocol;

/** Why a request failed. */
public enum ErrorCode {
  /** Malformed request: bad key format, missing field, unknown option. Not retryable. */
  BAD_REQUEST,
  /** Key, value or sibling count over its limit. Not retryable. */
  LIMIT_EXCEEDED,
  /** The store on a replica is full. Retryable after the operator raises capacity. */
  STORE_FULL,
  /** Fewer replicas than required answered; the message says how many of how many. */
  UNAVAILABLE,
  /** The request did not complete in time. Its effect is unknown. */
  TIMEOUT,
  /** A queue or in-flight bound was hit; retry later. */
  OVERLOADED,
  /** Unexpected failure in the node. */
  INTERNAL,
  /** The peer spoke the protocol wrongly (version, handshake, unknown message). */
  PROTOCOL
}
