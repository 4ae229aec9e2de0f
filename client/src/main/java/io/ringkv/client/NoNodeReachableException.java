package io.ringkv.client;

import io.ringkv.protocol.ErrorCode;

/** Every known node was tried and none answered. */
public class NoNodeReachableException extends RingkvException {
  public NoNodeReachableException(String message) {
    super(ErrorCode.UNAVAILABLE, message);
  }
}
