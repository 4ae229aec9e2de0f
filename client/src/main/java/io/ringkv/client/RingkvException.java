package io.ringkv.client;

import io.ringkv.protocol.ErrorCode;

/** A request that failed. {@link #getMessage()} is one line fit to show a user. */
public class RingkvException extends RuntimeException {
  private final ErrorCode code;

  public RingkvException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public RingkvException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
