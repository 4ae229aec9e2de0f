package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.charset.StandardCharsets;

/**
 * Bounded primitives shared by the storage serializers. Every length read from the wire is checked
 * against a named bound, and against the bytes actually left in an array-backed {@link Input}, before
 * anything is allocated: a corrupt or hostile record fails with a {@link KryoException}, never an
 * {@link OutOfMemoryError}.
 */
final class WireFormat {
  /** Largest node id in UTF-8 bytes (node ids are host names or UUIDs; 255 is the DNS name limit). */
  static final int NODE_ID_BYTES_MAX = 255;

  /** Most entries a decoded version vector may have (one per replica that ever coordinated a write of the key). */
  static final int VECTOR_ENTRIES_MAX = 1024;

  /** Most siblings a decoded object may have (ten times the default refusal limit of 100). */
  static final int SIBLINGS_MAX = 1024;

  /** Largest sibling value a decoder accepts (64 MiB, far above the default write limit of 1 MiB). */
  static final int VALUE_BYTES_MAX = 64 * 1024 * 1024;

  private WireFormat() {}

  static void writeNodeId(Output out, String node) {
    byte[] utf8 = node.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > NODE_ID_BYTES_MAX) {
      throw new KryoException("node id is " + utf8.length + " bytes, over NODE_ID_BYTES_MAX=" + NODE_ID_BYTES_MAX);
    }
    out.writeVarInt(utf8.length, true);
    out.writeBytes(utf8);
  }

  static String readNodeId(Input in) {
    int len = readLength(in, NODE_ID_BYTES_MAX, "node id length", "NODE_ID_BYTES_MAX");
    return new String(in.readBytes(len), StandardCharsets.UTF_8);
  }

  /** Reads a non-negative varint length, rejecting one above {@code max} or beyond the end of the buffer. */
  static int readLength(Input in, int max, String what, String boundName) {
    int len = in.readVarInt(true);
    if (len < 0 || len > max) {
      throw new KryoException(what + " " + Integer.toUnsignedString(len) + " is over " + boundName + "=" + max
          + " (corrupt record?)");
    }
    requireAvailable(in, len, what);
    return len;
  }

  /** For an array-backed input, fails when fewer than {@code len} bytes are left. */
  static void requireAvailable(Input in, long len, String what) {
    if (in.getInputStream() == null && in.limit() - in.position() < len) {
      throw new KryoException(what + " " + len + " is beyond the end of the record ("
          + (in.limit() - in.position()) + " bytes left; corrupt or truncated record?)");
    }
  }

  static long readPositiveCounter(Input in, String what) {
    long c = in.readVarLong(true);
    if (c <= 0) {
      throw new KryoException(what + " must be positive, got " + Long.toUnsignedString(c) + " (corrupt record?)");
    }
    return c;
  }
}
