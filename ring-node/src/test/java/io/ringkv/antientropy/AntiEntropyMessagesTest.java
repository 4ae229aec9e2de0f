package io.ringkv.antientropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ringkv.internode.AntiEntropyMessages.FetchReply;
import io.ringkv.internode.AntiEntropyMessages.GcCheck;
import io.ringkv.internode.AntiEntropyMessages.GcCheckReply;
import io.ringkv.internode.AntiEntropyMessages.KeysReply;
import io.ringkv.internode.AntiEntropyMessages.PushReply;
import io.ringkv.internode.AntiEntropyMessages.TreeRequest;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The anti-entropy messages through the real wire registry (ids 80..89), and the packed formats. */
class AntiEntropyMessagesTest {
  private static Message roundTrip(Message m) {
    return Messages.fromBytes(Messages.toBytes(m));
  }

  @Test
  void everyMessageSurvivesTheWireCodec() {
    VersionedObject tomb = VersionedObject.EMPTY.write(VersionVector.EMPTY, null, "n1", 5);
    TreeRequest t = (TreeRequest) roundTrip(new TreeRequest(1, "n1,n2,n3", 42, 2, Packed.ints(new int[] {3, 7})));
    assertArrayEquals(new int[] {3, 7}, Packed.ints(t.parents()));
    List<VersionedObject> withNull = new ArrayList<>();
    withNull.add(tomb);
    withNull.add(null);
    FetchReply f = (FetchReply) roundTrip(new FetchReply(2, 0, List.of(new byte[] {1}, new byte[] {2}), withNull));
    assertEquals(tomb, f.objects().get(0));
    assertNull(f.objects().get(1));
    GcCheck g = (GcCheck) roundTrip(new GcCheck(3, List.of(new byte[] {9}), List.of(tomb)));
    assertEquals(tomb, g.tombstones().get(0));
    GcCheckReply gr = (GcCheckReply) roundTrip(new GcCheckReply(4, 0, new byte[] {1, 0}));
    assertArrayEquals(new byte[] {1, 0}, gr.holds());
    PushReply p = (PushReply) roundTrip(new PushReply(5, 0, List.of(new byte[] {7}),
        List.of(VersionedObject.of(tomb.context(), List.of()))));
    assertEquals(tomb.context(), p.purgedContexts().get(0).context());
    Packed.ListingWriter w = new Packed.ListingWriter();
    byte[] longKey = new byte[300];
    Arrays.fill(longKey, (byte) 'k');
    w.add(longKey, -1L);
    w.add(new byte[] {1}, 77L);
    KeysReply k = (KeysReply) roundTrip(new KeysReply(6, 0, 2, w.toBytes()));
    List<Packed.Entry> entries = Packed.listing(k.entries());
    assertArrayEquals(longKey, entries.get(0).key());
    assertEquals(-1L, entries.get(0).digest());
    assertEquals(77L, entries.get(1).digest());
    assertEquals(Packed.entrySize(longKey) + Packed.entrySize(new byte[] {1}), k.entries().length);
  }
}
