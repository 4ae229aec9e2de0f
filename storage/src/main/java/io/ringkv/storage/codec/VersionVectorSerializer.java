package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.causality.VersionVector;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kryo serializer of a {@link VersionVector}.
 *
 * <p>Format: {@code varint n}, then {@code n} entries in node-id order, each {@code nodeId counter}
 * where {@code nodeId} is a varint UTF-8 length and the bytes, and {@code counter} a positive varlong.
 * Decoding bounds {@code n} by 1024 entries and each node id by 255 bytes, rejects duplicate node ids
 * and non-positive counters, and never allocates more than the record holds.
 */
public final class VersionVectorSerializer extends Serializer<VersionVector> {

  public VersionVectorSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, VersionVector vector) {
    writeVector(output, vector);
  }

  @Override
  public VersionVector read(Kryo kryo, Input input, Class<? extends VersionVector> type) {
    return readVector(input);
  }

  static void writeVector(Output out, VersionVector vector) {
    Map<String, Long> counters = vector.asMap();
    out.writeVarInt(counters.size(), true);
    counters.forEach((node, counter) -> {
      WireFormat.writeNodeId(out, node);
      out.writeVarLong(counter, true);
    });
  }

  static VersionVector readVector(Input in) {
    int n = WireFormat.readLength(in, WireFormat.VECTOR_ENTRIES_MAX, "version vector size", "VECTOR_ENTRIES_MAX");
    if (n == 0) {
      return VersionVector.EMPTY;
    }
    Map<String, Long> counters = new LinkedHashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      String node = WireFormat.readNodeId(in);
      long counter = WireFormat.readPositiveCounter(in, "counter of node " + node);
      if (counters.put(node, counter) != null) {
        throw new KryoException("version vector names node " + node + " twice (corrupt record?)");
      }
    }
    return VersionVector.of(counters);
  }
}
