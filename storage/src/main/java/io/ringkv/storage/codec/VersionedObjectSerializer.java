package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kryo serializer of a {@link VersionedObject}, compact and validated.
 *
 * <p>Format: the context as in {@link VersionVectorSerializer}; {@code varint s}, the sibling count;
 * then {@code s} siblings, each:
 * <ul>
 *   <li>{@code varint nodeIndex}: the dot's node as an index into the context's node ids (in their
 *       sorted order). Every sibling's dot is covered by the context, so the node is always there and
 *       node ids are written once per object, not once per sibling;
 *   <li>{@code varlong counter} (positive);
 *   <li>{@code varint valueLength + 1}, 0 for a tombstone, then the value bytes;
 *   <li>{@code writtenAtMs}, a zig-zag varlong;
 *   <li>the write id: one byte 0 when the write had none, else 1 and the id in 8 bytes.
 * </ul>
 *
 * <p>Decoding bounds the sibling count by 1024 and each value by 64 MiB, checks lengths against the
 * bytes left before allocating, and builds the result through {@link VersionedObject#of}, so a decoded
 * object always satisfies the invariants (unique dots, all covered by the context). Any violation is a
 * {@link KryoException} naming what was wrong.
 */
public final class VersionedObjectSerializer extends Serializer<VersionedObject> {

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
    List<Sibling> siblings = object.siblings();
    out.writeVarInt(siblings.size(), true);
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
  }

  @Override
  public VersionedObject read(Kryo kryo, Input in, Class<? extends VersionedObject> type) {
    VersionVector context = VersionVectorSerializer.readVector(in);
    String[] nodes = context.asMap().keySet().toArray(new String[0]);
    int count = WireFormat.readLength(in, WireFormat.SIBLINGS_MAX, "sibling count", "SIBLINGS_MAX");
    if (count == 0 && context.isEmpty()) {
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
    try {
      return VersionedObject.of(context, siblings);
    } catch (IllegalArgumentException e) {
      throw new KryoException("invalid versioned object: " + e.getMessage(), e);
    }
  }
}
