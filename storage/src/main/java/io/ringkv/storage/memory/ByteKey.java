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

  /** A key that owns a private copy of {@code bytes}: for storing. */
  static ByteKey copyOf(byte[] bytes) {
    return new ByteKey(bytes.clone());
  }

  /** A key over the caller's array, not copied: only for lookups that never store the key. */
  static ByteKey lookup(byte[] bytes) {
    return new ByteKey(bytes);
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
