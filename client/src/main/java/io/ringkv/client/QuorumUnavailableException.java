package io.ringkv.client;

import io.ringkv.protocol.ErrorCode;

/**
 * A read or write the node refused before sending or storing anything, because fewer of the key's
 * replicas are alive than the quorum asked for (Cassandra's UnavailableException): {@link #required()}
 * were asked for, {@link #alive()} are reachable. Nothing was stored, so a retry at a lower quorum is
 * safe; {@link RequestOptions#downgrade()} makes the client do it.
 */
public final class QuorumUnavailableException extends RingkvException {
  private final int required;
  private final int alive;

  public QuorumUnavailableException(String message, int required, int alive) {
    super(ErrorCode.UNAVAILABLE, message);
    this.required = required;
    this.alive = alive;
  }

  public int required() {
    return required;
  }

  public int alive() {
    return alive;
  }
}
