package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.SupersededWrite;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kryo serializer of a {@link VersionedObject}, compact and validated.
 *
 * <p>Format: the context as in {@link VersionVectorSerializer}; {@code varint h}, the sibling count
 * {@code s}, plus {@link #HAS_SUPERSEDED} (bit 11) when the object has superseded write ids; then {@code s}
 * siblings (all of them, those of superseded writes included), each:
 * <ul>
 *   <li>{@code varint nodeIndex}: the dot's node as an index into the context's node ids (in their
 *       sorted order). Every sibling's dot is covered by the context, so the node is always there and
 *       node ids are written once per object, not once per sibling;
 *   <li>{@code varlong counter} (positive);
 *   <li>{@code varint valueLength + 1}, 0 for a tombstone, then the value bytes;
 *   <li>{@code writtenAtMs}, a zig-zag varlong;
 *   <li>the write id: one byte 0 when the write had none, else 1 and the id in 8 bytes.
 * </ul>
 * and, only when {@code h} has the bit, the superseded set: {@code varint k} (1 to
 * {@link VersionedObject#SUPERSEDED_MAX}), then {@code k} entries newest first, each the write id in 8
 * bytes and its time: the first a zig-zag varlong, every later one a varlong of how much older it is
 * than the first (at most {@link VersionedObject#SUPERSEDED_HORIZON_MS}, so at most 4 bytes; records written
 * when the horizon was 10 minutes decode unchanged).
 *
 * <p>Compatibility: an object without superseded ids, most objects, is encoded exactly as before the set
 * existed, and every record or message written before it decodes unchanged (a test keeps such bytes). The
 * sibling count is at most {@link WireFormat#SIBLINGS_MAX} = 1024, below the bit, so a reader older than
 * the set refuses an object that has one as a corrupt sibling count rather than misreading it; this is why
 * the on-disk format version stays 2.
 *
 * <p>Decoding bounds the sibling count by 1024 and each value by 64 MiB, checks lengths against the
 * bytes left before allocating, and builds the result through {@link VersionedObject#of}, so a decoded
 * object always satisfies the invariants (unique dots, all covered by the context). Any violation is a
 * {@link KryoException} naming what was wrong.
 */
public final class VersionedObjectSerializer extends Serializer<VersionedObject> {

  /** Added to the sibling count when a superseded set follows the siblings (above any valid count). */
  static final int HAS_SUPERSEDED = 1 << 11;

  public VersionedObjectSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output out, VersionedObject object) {
    VersionVector context = object.context();
    VersionVectorSerializer.writeVector(out, context);
    Map<String, Integer> nodeIndex = new HashMap<>(context.size() * 2);
    for (String node : context.asMap().keySet()) {
      nodeIndex.put(node, nodeIndex.size());
    }
    List<Sibling> siblings = object.allSiblings();
    List<SupersededWrite> superseded = object.superseded();
    if (siblings.size() > WireFormat.SIBLINGS_MAX) {
      throw new KryoException(siblings.size() + " siblings, over SIBLINGS_MAX=" + WireFormat.SIBLINGS_MAX);
    }
    out.writeVarInt(superseded.isEmpty() ? siblings.size() : siblings.size() | HAS_SUPERSEDED, true);
    for (Sibling s : siblings) {
      Integer index = nodeIndex.get(s.dot().node());
      if (index == null) {
        throw new KryoException("sibling dot " + s.dot() + " is not covered by context " + context);
      }
      out.writeVarInt(index, true);
      out.writeVarLong(s.dot().counter(), true);
      byte[] value = s.value();
      if (value == null) {
        out.writeVarInt(0, true);
      } else {
        if (value.length > WireFormat.VALUE_BYTES_MAX) {
          throw new KryoException("value is " + value.length + " bytes, over VALUE_BYTES_MAX=" + WireFormat.VALUE_BYTES_MAX);
        }
        out.writeVarInt(value.length + 1, true);
        out.writeBytes(value);
      }
      out.writeVarLong(s.writtenAtMs(), false);
      if (s.writeId() == 0) {
        out.writeByte(0);
      } else {
        out.writeByte(1);
        out.writeLong(s.writeId());
      }
    }
    if (!superseded.isEmpty()) {
      out.writeVarInt(superseded.size(), true);
      long newest = superseded.get(0).atMs();
      for (int i = 0; i < superseded.size(); i++) {
        SupersededWrite w = superseded.get(i);
        out.writeLong(w.writeId());
        if (i == 0) {
          out.writeVarLong(newest, false);
        } else {
          out.writeVarLong(newest - w.atMs(), true);
        }
      }
    }
  }

  @Override
  public VersionedObject read(Kryo kryo, Input in, Class<? extends VersionedObject> type) {
    VersionVector context = VersionVectorSerializer.readVector(in);
    String[] nodes = context.asMap().keySet().toArray(new String[0]);
    int header = in.readVarInt(true);
    boolean hasSuperseded = header >= 0 && (header & HAS_SUPERSEDED) != 0;
    int count = hasSuperseded ? header & ~HAS_SUPERSEDED : header;
    if (count < 0 || count > WireFormat.SIBLINGS_MAX) {
      throw new KryoException("sibling count " + Integer.toUnsignedString(header) + " is over SIBLINGS_MAX="
          + WireFormat.SIBLINGS_MAX + " (corrupt record?)");
    }
    WireFormat.requireAvailable(in, count, "sibling count");
    if (count == 0 && context.isEmpty() && !hasSuperseded) {
      return VersionedObject.EMPTY;
    }
    List<Sibling> siblings = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = in.readVarInt(true);
      if (index < 0 || index >= nodes.length) {
        throw new KryoException("sibling " + i + " names node index " + Integer.toUnsignedString(index)
            + " but the context has " + nodes.length + " nodes (corrupt record?)");
      }
      long counter = WireFormat.readPositiveCounter(in, "dot counter of sibling " + i);
      int lengthPlusOne = in.readVarInt(true);
      byte[] value;
      if (lengthPlusOne == 0) {
        value = null;
      } else {
        int length = lengthPlusOne - 1;
        if (lengthPlusOne < 0 || length > WireFormat.VALUE_BYTES_MAX) {
          throw new KryoException("value length " + Integer.toUnsignedString(length) + " of sibling " + i
              + " is over VALUE_BYTES_MAX=" + WireFormat.VALUE_BYTES_MAX + " (corrupt record?)");
        }
        WireFormat.requireAvailable(in, length, "value length of sibling " + i);
        value = in.readBytes(length);
      }
      long writtenAtMs = in.readVarLong(false);
      WireFormat.requireAvailable(in, 1, "write id marker of sibling " + i);
      byte marker = in.readByte();
      long writeId = 0;
      if (marker == 1) {
        WireFormat.requireAvailable(in, Long.BYTES, "write id of sibling " + i);
        writeId = in.readLong();
      } else if (marker != 0) {
        throw new KryoException("write id marker of sibling " + i + " is " + marker + " (corrupt record?)");
      }
      siblings.add(new Sibling(new Dot(nodes[index], counter), value, writtenAtMs, writeId));
    }
    List<SupersededWrite> superseded = hasSuperseded ? readSuperseded(in) : List.of();
    try {
      return VersionedObject.of(context, siblings, superseded);
    } catch (IllegalArgumentException e) {
      throw new KryoException("invalid versioned object: " + e.getMessage(), e);
    }
  }

  private static List<SupersededWrite> readSuperseded(Input in) {
    int k = in.readVarInt(true);
    if (k < 1 || k > VersionedObject.SUPERSEDED_MAX) {
      throw new KryoException("superseded write count " + Integer.toUnsignedString(k) + " is not in 1.."
          + VersionedObject.SUPERSEDED_MAX + " (corrupt record?)");
    }
    List<SupersededWrite> out = new ArrayList<>(k);
    long newest = 0;
    for (int i = 0; i < k; i++) {
      WireFormat.requireAvailable(in, Long.BYTES, "id of superseded write " + i);
      long writeId = in.readLong();
      if (writeId == 0) {
        throw new KryoException("superseded write " + i + " has id 0 (corrupt record?)");
      }
      long atMs;
      if (i == 0) {
        newest = in.readVarLong(false);
        atMs = newest;
      } else {
        long older = in.readVarLong(true);
        if (older < 0 || older > VersionedObject.SUPERSEDED_HORIZON_MS) {
          throw new KryoException("superseded write " + i + " is " + Long.toUnsignedString(older)
              + " ms older than the newest, over SUPERSEDED_HORIZON_MS=" + VersionedObject.SUPERSEDED_HORIZON_MS
              + " (corrupt record?)");
        }
        atMs = newest - older;
      }
      out.add(new SupersededWrite(writeId, atMs));
    }
    return out;
  }
}
