package io.ringkv.protocol;

/** A message that expects exactly one reply carrying the same request id. */
public interface Request extends Message {
  long requestId();
}
