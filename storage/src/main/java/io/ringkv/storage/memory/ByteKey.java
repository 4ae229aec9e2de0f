package io.ringkv.storage.memory;

import java.util.Arrays;

/** An immutable byte-string map key: a private copy of the bytes, with content equality. */
final class ByteKey {
  private final byte[] bytes;
  private final int hash;

  private ByteKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  static ByteKey copyOf(byte[] bytes) {
    return new ByteKey(bytes.clone());
  }

  int length() {
    return bytes.length;
  }

  byte[] toByteArray() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteKey k && hash == k.hash && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
