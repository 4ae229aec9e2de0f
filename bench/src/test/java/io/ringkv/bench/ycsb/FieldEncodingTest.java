package io.ringkv.bench.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;

class FieldEncodingTest {
  private static Map<String, ByteIterator> record(int fields, int bytes) {
    Map<String, ByteIterator> m = new LinkedHashMap<>();
    for (int i = 0; i < fields; i++) {
      byte[] v = new byte[bytes];
      java.util.Arrays.fill(v, (byte) i);
      m.put("field" + i, new ByteArrayByteIterator(v));
    }
    return m;
  }

  @Test
  void aYcsbRecordOfTenHundredByteFieldsIs1081Bytes() {
    assertEquals(1081, FieldEncoding.encode(record(10, 100)).length);
  }

  @Test
  void decodesWhatItEncodes_allFieldsOrTheWantedOnes() {
    byte[] encoded = FieldEncoding.encode(record(10, 300));
    Map<String, ByteIterator> all = new HashMap<>();
    FieldEncoding.decode(encoded, null, all);
    assertEquals(10, all.size());
    byte[] f3 = all.get("field3").toArray();
    assertEquals(300, f3.length);
    assertEquals(3, f3[299]);

    Map<String, ByteIterator> some = new HashMap<>();
    FieldEncoding.decode(encoded, Set.of("field9"), some);
    assertEquals(Set.of("field9"), some.keySet());
  }

  @Test
  void refusesTruncatedOrPaddedRecordsWithAMessage() {
    byte[] encoded = FieldEncoding.encode(record(2, 10));
    byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 1);
    assertThrows(IllegalArgumentException.class, () -> FieldEncoding.decode(truncated, null, new HashMap<>()));
    byte[] padded = java.util.Arrays.copyOf(encoded, encoded.length + 1);
    assertThrows(IllegalArgumentException.class, () -> FieldEncoding.decode(padded, null, new HashMap<>()));
    assertThrows(IllegalArgumentException.class,
        () -> FieldEncoding.decode(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, null, new HashMap<>()));
  }
}
