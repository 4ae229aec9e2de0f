package io.ringkv.storage.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static VersionedObject sample() {
    VersionedObject o = VersionedObject.EMPTY.write(VersionVector.EMPTY, utf8("v1"), "node-a", 1_700_000_000_000L);
    o = o.write(VersionVector.EMPTY, utf8("v2"), "node-b", 1_700_000_000_001L);
    return o.write(VersionVector.of(Map.of("node-a", 1L)), null, "node-a", -5L);
  }

  @Test
  void roundTripsObjectsWithValuesTombstonesAndEmpty() {
    for (VersionedObject o : List.of(VersionedObject.EMPTY, sample(),
        VersionedObject.of(VersionVector.of(Map.of("x", 7L)), List.of()))) {
      byte[] record = RecordCodec.encode(o);
      assertEquals(RecordCodec.FORMAT_VERSION, record[0]);
      assertEquals(o, RecordCodec.decode(record));
    }
  }

  @Test
  void encodingIsCompact() {
    VersionedObject o = VersionedObject.EMPTY.write(VersionVector.EMPTY, new byte[10], "n1", 1_700_000_000_000L);
    // version 1 + vector (1 + 1+2 + 1) + count 1 + sibling (1 + 1 + 1+10 + 6 + write-id marker 1)
    assertTrue(RecordCodec.encode(o).length <= 28, "record is " + RecordCodec.encode(o).length + " bytes");
  }

  @Test
  void unknownVersionIsRefusedByName() {
    byte[] record = RecordCodec.encode(sample());
    record[0] = 9;
    StorageException e = assertThrows(StorageException.class, () -> RecordCodec.decode(record));
    assertTrue(e.getMessage().contains("unknown record format version 9"), e.getMessage());
  }

  @Test
  void trailingBytesAndTruncationAreRefused() {
    byte[] record = RecordCodec.encode(sample());
    byte[] longer = java.util.Arrays.copyOf(record, record.length + 1);
    assertThrows(StorageException.class, () -> RecordCodec.decode(longer));
    for (int len = 0; len < record.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(record, len);
      assertThrows(StorageException.class, () -> RecordCodec.decode(cut), "truncated to " + len);
    }
  }

  @Test
  void hugeLengthsAreRefusedWithoutAllocating() {
    // version, vector of 1 entry "a":1, 1 sibling at node 0 counter 1 claiming a 60 MiB value, 3 bytes present
    Output out = new Output(64);
    out.writeByte(RecordCodec.FORMAT_VERSION);
    out.writeVarInt(1, true);
    out.writeVarInt(1, true);
    out.writeByte('a');
    out.writeVarLong(1, true);
    out.writeVarInt(1, true);
    out.writeVarInt(0, true);
    out.writeVarLong(1, true);
    out.writeVarInt(60 * 1024 * 1024 + 1, true);
    out.writeBytes(new byte[3]);
    StorageException e = assertThrows(StorageException.class, () -> RecordCodec.decode(out.toBytes()));
    assertTrue(e.getMessage().contains("beyond the end of the record"), e.getMessage());

    Output many = new Output(16);
    many.writeByte(RecordCodec.FORMAT_VERSION);
    many.writeVarInt(Integer.MAX_VALUE, true);
    e = assertThrows(StorageException.class, () -> RecordCodec.decode(many.toBytes()));
    assertTrue(e.getMessage().contains("VECTOR_ENTRIES_MAX"), e.getMessage());
  }

  @Test
  void invariantViolationsAreRefused() {
    // a sibling whose dot a:5 the context {a:1} does not cover
    Output out = new Output(64);
    out.writeByte(RecordCodec.FORMAT_VERSION);
    out.writeVarInt(1, true);
    out.writeVarInt(1, true);
    out.writeByte('a');
    out.writeVarLong(1, true);
    out.writeVarInt(1, true);
    out.writeVarInt(0, true);
    out.writeVarLong(5, true);
    out.writeVarInt(0, true);
    out.writeVarLong(0, false);
    out.writeByte(0);
    StorageException e = assertThrows(StorageException.class, () -> RecordCodec.decode(out.toBytes()));
    assertTrue(e.getMessage().contains("does not cover"), e.getMessage());
  }

  @Test
  void randomGarbageNeverEscapesAsAnythingButStorageException() {
    Random random = new Random(42);
    byte[] valid = RecordCodec.encode(sample());
    for (int i = 0; i < 5_000; i++) {
      byte[] garbage = valid.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        garbage[1 + random.nextInt(garbage.length - 1)] = (byte) random.nextInt(256);
      }
      try {
        VersionedObject decoded = RecordCodec.decode(garbage);
        assertEquals(decoded, RecordCodec.decode(RecordCodec.encode(decoded)), "seed 42, iteration " + i);
      } catch (StorageException expected) {
        // refused with a message: fine
      }
    }
  }

  @Test
  void storageKryoUsesFixedIdsAndRoundTripsClassTaggedObjects() {
    Kryo kryo = StorageKryo.newKryo();
    assertEquals(100, kryo.getRegistration(VersionVector.class).getId());
    assertEquals(101, kryo.getRegistration(VersionedObject.class).getId());
    assertEquals(102, kryo.getRegistration(Dot.class).getId());
    Output out = new Output(128, -1);
    kryo.writeClassAndObject(out, sample());
    kryo.writeClassAndObject(out, new Dot("n", 3));
    kryo.writeClassAndObject(out, sample().context());
    Input in = new Input(out.toBytes());
    assertEquals(sample(), kryo.readClassAndObject(in));
    assertEquals(new Dot("n", 3), kryo.readClassAndObject(in));
    assertEquals(sample().context(), kryo.readClassAndObject(in));
  }

  @Test
  void siblingValueBytesSurviveIntact() {
    byte[] value = new byte[70_000];
    new Random(1).nextBytes(value);
    VersionedObject o = VersionedObject.EMPTY.write(VersionVector.EMPTY, value, "n", 3);
    Sibling s = RecordCodec.decode(RecordCodec.encode(o)).siblings().get(0);
    assertArrayEquals(value, s.value());
  }
}
