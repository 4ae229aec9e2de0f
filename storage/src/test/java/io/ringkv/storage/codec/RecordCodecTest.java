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
    byte[][] samples = {RecordCodec.encode(sample()), RecordCodec.encode(withSupersededIds())};
    for (int i = 0; i < 5_000; i++) {
      byte[] valid = samples[i % 2];
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

  // ------------------------------------------------------------ superseded write ids and old encodings

  /**
   * Bytes written by the serializer before objects had superseded write ids (commit 07e72a9): two copies
   * of one write (id 0x0102030405060708) minted by n1 and n2, a value of write -7 and a tombstone without
   * an id, minted by n3; as a disk record, as a class-tagged Kryo message field, and a bare context.
   */
  private static final String OLD_RECORD = "0203026e3101026e3201026e330204000103763180a0abfef96201080706050403020101"
      + "010376318aa0abfef9620108070605040302010201066f7468657294a0abfef96201f9ffffffffffffff020200a8a0abfef96200";
  private static final String OLD_MESSAGE = "67" + OLD_RECORD.substring(2);
  private static final String OLD_BARE_CONTEXT = "0201026e310400";

  private static byte[] hex(String h) {
    byte[] out = new byte[h.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static VersionedObject oldSample() {
    long id = 0x0102030405060708L;
    return VersionedObject.of(VersionVector.of(Map.of("n1", 1L, "n2", 1L, "n3", 2L)), List.of(
        new Sibling(new Dot("n1", 1), utf8("v1"), 1_700_000_000_000L, id),
        new Sibling(new Dot("n2", 1), utf8("v1"), 1_700_000_000_005L, id),
        new Sibling(new Dot("n3", 1), utf8("other"), 1_700_000_000_010L, -7),
        Sibling.tombstone(new Dot("n3", 2), 1_700_000_000_020L)));
  }

  @Test
  void recordsAndMessagesWrittenBeforeSupersededIdsStillDecode() {
    assertEquals(oldSample(), RecordCodec.decode(hex(OLD_RECORD)));
    assertEquals(VersionedObject.of(VersionVector.of(Map.of("n1", 4L)), List.of()),
        RecordCodec.decode(hex(OLD_BARE_CONTEXT)));
    Kryo kryo = StorageKryo.newKryo();
    assertEquals(oldSample(), kryo.readClassAndObject(new Input(hex(OLD_MESSAGE))));
    // and an object without superseded ids is written exactly as before, for an older reader
    assertArrayEquals(hex(OLD_RECORD), RecordCodec.encode(oldSample()));
    Output out = new Output(256, -1);
    kryo.writeClassAndObject(out, oldSample());
    assertArrayEquals(hex(OLD_MESSAGE), out.toBytes());
  }

  /** Two copies of write 77; a delete (78) replaced one; not compacted, so the other is held but hidden. */
  private static VersionedObject withSupersededIds() {
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, utf8("v"), "n1", 1_700_000_000_000L, 0, 77);
    VersionedObject retry = VersionedObject.EMPTY.write(VersionVector.EMPTY, utf8("v"), "n2", 1_700_000_000_005L, 0, 77);
    VersionedObject deleted = retry.write(retry.context(), null, "n2", 1_700_000_000_010L, 0, 78);
    deleted = deleted.write(deleted.context(), utf8("again"), "n2", 1_700_000_000_400L, 0, 79);
    return deleted.merge(first);
  }

  @Test
  void roundTripsTheSupersededSetAndTheHiddenCopies() {
    VersionedObject o = withSupersededIds();
    assertEquals(2, o.superseded().size(), o.toString());
    assertEquals(1, o.allSiblings().size() - o.siblings().size(), "one hidden copy: " + o);
    for (VersionedObject x : List.of(o, o.compact())) {
      VersionedObject decoded = RecordCodec.decode(RecordCodec.encode(x));
      assertEquals(x, decoded);
      assertEquals(x.siblings(), decoded.siblings());
      Kryo kryo = StorageKryo.newKryo();
      Output out = new Output(64, -1);
      kryo.writeClassAndObject(out, x);
      assertEquals(x, kryo.readClassAndObject(new Input(out.toBytes())));
    }
  }

  @Test
  void theSupersededSetCostsItsIdsAndShortAgesAndAReaderWithoutItRefusesIt() {
    VersionedObject o = withSupersededIds().compact();
    VersionedObject without = VersionedObject.of(o.context(), o.allSiblings());
    // the flag makes the sibling count 2 bytes; then the count, the newest entry (8-byte id, 6-byte time)
    // and the older one (8-byte id, its age of 390 ms in 2 bytes: at most 3 within the horizon)
    assertEquals(1 + 1 + (8 + 6) + (8 + 2), RecordCodec.encode(o).length - RecordCodec.encode(without).length);
    // the flagged sibling count is over SIBLINGS_MAX, which a reader that predates the set refuses
    Input in = new Input(RecordCodec.encode(o), 1, 100);
    VersionVectorSerializer.readVector(in);
    assertTrue(in.readVarInt(true) > WireFormat.SIBLINGS_MAX);
  }

  @Test
  void aCorruptSupersededSetIsRefusedByName() {
    byte[] good = RecordCodec.encode(withSupersededIds().compact());
    int setStart = good.length - (8 + 2) - (8 + 6) - 1; // count, newest entry, one older entry (2-byte age)
    assertEquals(2, good[setStart]);
    byte[] zeroCount = good.clone();
    zeroCount[setStart] = 0;
    assertTrue(assertThrows(StorageException.class, () -> RecordCodec.decode(zeroCount)).getMessage()
        .contains("superseded write count 0"));
    byte[] tooMany = good.clone();
    tooMany[setStart] = 9;
    assertTrue(assertThrows(StorageException.class, () -> RecordCodec.decode(tooMany)).getMessage()
        .contains("superseded write count 9"));
    byte[] zeroId = good.clone();
    java.util.Arrays.fill(zeroId, setStart + 1, setStart + 9, (byte) 0);
    assertTrue(assertThrows(StorageException.class, () -> RecordCodec.decode(zeroId)).getMessage()
        .contains("has id 0"));
    byte[] sameId = good.clone();
    System.arraycopy(good, setStart + 1, sameId, setStart + 1 + 8 + 6, 8);
    assertTrue(assertThrows(StorageException.class, () -> RecordCodec.decode(sameId)).getMessage()
        .contains("named twice"));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 2);
    assertThrows(StorageException.class, () -> RecordCodec.decode(truncated));
    // an entry older than the horizon (a day): the age becomes 2^28 ms (5 bytes), about 3.1 days
    byte[] tooOld = java.util.Arrays.copyOf(good, good.length + 3);
    tooOld[good.length - 2] = (byte) 0x80;
    tooOld[good.length - 1] = (byte) 0x80;
    tooOld[good.length] = (byte) 0x80;
    tooOld[good.length + 1] = (byte) 0x80;
    tooOld[good.length + 2] = 0x01;
    assertTrue(assertThrows(StorageException.class, () -> RecordCodec.decode(tooOld)).getMessage()
        .contains("SUPERSEDED_HORIZON_MS"));
  }
}
