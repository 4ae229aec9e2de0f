package io.ringkv.coordinator;

import io.ringkv.storage.causality.VersionVector;

/** Turns a causal context into the opaque bytes clients carry, and back. */
public interface ContextCodec {
  byte[] encode(VersionVector context);

  /**
   * @throws IllegalArgumentException when the bytes are not a context this node wrote (the client
   *     gets BAD_REQUEST and nothing is written)
   */
  VersionVector decode(byte[] bytes);
}
