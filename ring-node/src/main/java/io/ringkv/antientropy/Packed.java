package io.ringkv.antientropy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Packing of int and long arrays and of key listings into the byte arrays anti-entropy messages carry. */
final class Packed {
  private Packed() {}

  static byte[] ints(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  static int[] ints(byte[] b) {
    if (b.length % 4 != 0) {
      throw new IllegalArgumentException("packed ints of " + b.length + " bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    int[] out = new int[b.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getInt();
    }
    return out;
  }

  static byte[] longs(long[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  static long[] longs(byte[] b) {
    if (b.length % 8 != 0) {
      throw new IllegalArgumentException("packed longs of " + b.length + " bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    long[] out = new long[b.length / 8];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getLong();
    }
    return out;
  }

  /** One listed key: its bytes and its object's digest. */
  record Entry(byte[] key, long digest) {}

  /** Appends entries as {@code varint length, key, 8-byte digest}. */
  static final class ListingWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void add(byte[] key, long digest) {
      int len = key.length;
      while ((len & ~0x7F) != 0) {
        out.write((len & 0x7F) | 0x80);
        len >>>= 7;
      }
      out.write(len);
      out.write(key, 0, key.length);
      for (int s = 56; s >= 0; s -= 8) {
        out.write((int) (digest >>> s));
      }
    }

    int size() {
      return out.size();
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }

  static int entrySize(byte[] key) {
    int len = key.length;
    int varint = 1;
    while ((len & ~0x7F) != 0) {
      varint++;
      len >>>= 7;
    }
    return varint + key.length + 8;
  }

  static List<Entry> listing(byte[] b) {
    List<Entry> out = new ArrayList<>();
    int p = 0;
    while (p < b.length) {
      int len = 0;
      int shift = 0;
      while (true) {
        if (p >= b.length || shift > 28) {
          throw new IllegalArgumentException("truncated key listing");
        }
        int x = b[p++] & 0xFF;
        len |= (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          break;
        }
        shift += 7;
      }
      if (len < 0 || p + len + 8 > b.length) {
        throw new IllegalArgumentException("truncated key listing");
      }
      byte[] key = new byte[len];
      System.arraycopy(b, p, key, 0, len);
      p += len;
      long d = 0;
      for (int i = 0; i < 8; i++) {
        d = (d << 8) | (b[p++] & 0xFF);
      }
      out.add(new Entry(key, d));
    }
    return out;
  }
}
