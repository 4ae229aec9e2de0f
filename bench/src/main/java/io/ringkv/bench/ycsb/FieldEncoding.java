package io.ringkv.bench.ycsb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;

/**
 * A YCSB record (field name to bytes) as one ringkv value, length-prefixed and compact:
 *
 * <pre>
 *   varint  fieldCount
 *   fieldCount times: varint nameLength, name (UTF-8), varint valueLength, value
 * </pre>
 *
 * A record of 10 fields of 100 bytes named field0..field9 encodes to 1,081 bytes (8 bytes of framing
 * per field, one for the count). Decoding checks every length against the bytes left and fails with a message, never with
 * an OutOfMemoryError.
 */
public final class FieldEncoding {
  private FieldEncoding() {}

  public static byte[] encode(Map<String, ByteIterator> fields) {
    int estimate = 5;
    for (Map.Entry<String, ByteIterator> e : fields.entrySet()) {
      estimate += 10 + e.getKey().length() * 3 + (int) Math.min(Integer.MAX_VALUE / 2, e.getValue().bytesLeft());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimate);
    writeVarint(out, fields.size());
    for (Map.Entry<String, ByteIterator> e : fields.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] value = e.getValue().toArray();
      writeVarint(out, name.length);
      out.write(name, 0, name.length);
      writeVarint(out, value.length);
      out.write(value, 0, value.length);
    }
    return out.toByteArray();
  }

  /**
   * Decodes {@code encoded} into {@code out}, keeping only {@code wanted} fields (all when null).
   *
   * @throws IllegalArgumentException when the bytes are not a record of this encoding
   */
  public static void decode(byte[] encoded, Set<String> wanted, Map<String, ByteIterator> out) {
    int[] pos = {0};
    int count = readLength(encoded, pos, "field count");
    for (int i = 0; i < count; i++) {
      int nameLength = readLength(encoded, pos, "name length of field " + i);
      String name = new String(encoded, pos[0], nameLength, StandardCharsets.UTF_8);
      pos[0] += nameLength;
      int valueLength = readLength(encoded, pos, "value length of field " + name);
      if (wanted == null || wanted.contains(name)) {
        out.put(name, new ByteArrayByteIterator(encoded, pos[0], valueLength));
      }
      pos[0] += valueLength;
    }
    if (pos[0] != encoded.length) {
      throw new IllegalArgumentException("record has " + (encoded.length - pos[0]) + " trailing bytes");
    }
  }

  static void writeVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  /** A varint that must also fit in the bytes left after it. */
  private static int readLength(byte[] b, int[] pos, String what) {
    int v = 0;
    for (int shift = 0; shift < 32; shift += 7) {
      if (pos[0] >= b.length) {
        throw new IllegalArgumentException("record truncated reading the " + what);
      }
      int x = b[pos[0]++];
      v |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        if (v < 0 || v > b.length - pos[0]) {
          throw new IllegalArgumentException("the " + what + " (" + v + ") exceeds the " + (b.length - pos[0])
              + " bytes left");
        }
        return v;
      }
    }
    throw new IllegalArgumentException("malformed varint for the " + what);
  }
}
