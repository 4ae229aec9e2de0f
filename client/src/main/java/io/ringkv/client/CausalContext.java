package io.ringkv.client;

import java.util.Arrays;
import java.util.Base64;

/**
 * The opaque causal context a read returns. Hand it back unchanged with the next write or delete of
 * the same key. {@link #NONE} makes a blind write.
 */
public final class CausalContext {
  public static final CausalContext NONE = new CausalContext(new byte[0]);

  private final byte[] bytes;

  private CausalContext(byte[] bytes) {
    this.bytes = bytes;
  }

  public static CausalContext of(byte[] bytes) {
    return bytes == null || bytes.length == 0 ? NONE : new CausalContext(bytes.clone());
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public boolean isNone() {
    return bytes.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CausalContext c && Arrays.equals(bytes, c.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return isNone() ? "CausalContext.NONE" : "CausalContext(" + Base64.getEncoder().encodeToString(bytes) + ")";
  }
}
