package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The resurrection guard's trimming of an object that arrives for a purged key. */
class AntiEntropyStorageTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void stripDropsWhatThePurgeCoveredAndKeepsTheSupersededWriteIds() {
    // a: write 11 at n1, then write 22 replaces it (n1 remembers 11 as superseded); purged context: n1:1
    VersionedObject first = VersionedObject.EMPTY.write(VersionVector.EMPTY, b("one"), "n1", 1, 0, 11);
    VersionedObject second = first.write(first.context(), b("two"), "n1", 2, 0, 22);
    assertEquals(List.of(11L), second.superseded().stream().map(w -> w.writeId()).toList());
    VersionVector purged = first.context();

    VersionedObject kept = AntiEntropyStorage.strip(second, purged);
    assertEquals(List.of("two"), kept.liveSiblings().stream().map(s -> new String(s.value(), StandardCharsets.UTF_8))
        .toList());
    assertEquals(second.superseded(), kept.superseded(), "a stray copy of write 11 must stay hidden");
    assertNull(AntiEntropyStorage.strip(first, purged), "nothing left after the purge");
  }
}
