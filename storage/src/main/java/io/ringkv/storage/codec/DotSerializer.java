package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.causality.Dot;

/**
 * Kryo serializer of a standalone {@link Dot} (for wire messages such as a write's reply; inside a
 * {@link io.ringkv.storage.causality.VersionedObject} dots are encoded more compactly). Format: node id
 * (varint UTF-8 length, at most 255, and the bytes), then the counter as a positive varlong.
 */
public final class DotSerializer extends Serializer<Dot> {

  public DotSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, Dot dot) {
    WireFormat.writeNodeId(output, dot.node());
    output.writeVarLong(dot.counter(), true);
  }

  @Override
  public Dot read(Kryo kryo, Input input, Class<? extends Dot> type) {
    String node = WireFormat.readNodeId(input);
    return new Dot(node, WireFormat.readPositiveCounter(input, "dot counter"));
  }
}
