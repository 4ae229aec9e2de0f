package io.ringkv.internode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.protocol.Messages;
import io.ringkv.protocol.WireSerializers;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Digest;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipPayload;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.internode.GossipMessages.GossipAck;
import io.ringkv.internode.GossipMessages.GossipAck2;
import io.ringkv.internode.GossipMessages.GossipReject;
import io.ringkv.internode.GossipMessages.GossipSyn;
import io.ringkv.ring.TokenAllocator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GossipMessagesTest {
  private static final ClusterMetadata META = new ClusterMetadata("ringkv", 3, "uuid4");

  private static Kryo kryo() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    GossipMessages.register(kryo); // nothing else: nested types must be written inline
    return kryo;
  }

  private static byte[] encode(Kryo kryo, Object o) {
    Output out = new Output(1024, -1);
    kryo.writeClassAndObject(out, o);
    return out.toBytes();
  }

  private static Object roundTrip(Object o) {
    Kryo kryo = kryo();
    return kryo.readClassAndObject(new Input(encode(kryo, o)));
  }

  private static Member member(String id, int vnodes, MemberStatus status) {
    return member(id, vnodes, status, "");
  }

  private static Member member(String id, int vnodes, MemberStatus status, String activity) {
    List<Long> tokens = vnodes == 0 ? List.of() : TokenAllocator.allocate(vnodes, Set.of(), new Random(id.hashCode()));
    return new Member(id, new Endpoint("198.18.0." + id.length(), 7000), tokens, status, 1_700_000_000L, 123_456, 99,
        activity);
  }

  @Test
  void everyGossipMessageRoundTrips() {
    List<Digest> digests = List.of(new Digest("a", 5, 9, 3), Digest.unknown("b"));
    List<Object> messages = List.of(
        new GossipSyn(new GossipPayload.Syn("a", META, digests)),
        new GossipSyn(new GossipPayload.Syn("a", META, List.of())),
        new GossipAck(new GossipPayload.Ack("b", List.of(member("a", 3, MemberStatus.UP),
            member("bb", 0, MemberStatus.JOINING), member("ccc", 1, MemberStatus.REMOVED)), digests, digests)),
        new GossipAck2(new GossipPayload.Ack2("a", List.of(member("dddd", 256, MemberStatus.LEAVING,
            "leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s")), digests)),
        member("é", 1, MemberStatus.UP, "streaming to n4: 3% — ünïcödé ✓"),
        member("w", 1, MemberStatus.UP, "\u20ac".repeat(Member.MAX_ACTIVITY_LENGTH)), // 3 UTF-8 bytes each
        new GossipReject(new GossipPayload.Reject("b", "replication factor mismatch: this node has 2, cluster 'ringkv' has 3")),
        new GossipPayload.Syn("a", META, digests),
        member("x", 2, MemberStatus.LEFT),
        new Digest("z", 0, Long.MAX_VALUE, 7),
        META,
        MemberStatus.LEAVING);
    for (Object m : messages) {
      assertEquals(m, roundTrip(m));
    }
  }

  @Test
  void idsAreFixed() {
    Kryo kryo = kryo();
    assertEquals(60, kryo.getRegistration(GossipSyn.class).getId());
    assertEquals(61, kryo.getRegistration(GossipAck.class).getId());
    assertEquals(62, kryo.getRegistration(GossipAck2.class).getId());
    assertEquals(63, kryo.getRegistration(GossipReject.class).getId());
    assertEquals(64, kryo.getRegistration(GossipPayload.Syn.class).getId());
    assertEquals(67, kryo.getRegistration(GossipPayload.Reject.class).getId());
    assertEquals(68, kryo.getRegistration(Member.class).getId());
    assertEquals(69, kryo.getRegistration(Digest.class).getId());
    assertEquals(70, kryo.getRegistration(ClusterMetadata.class).getId());
    assertEquals(71, kryo.getRegistration(MemberStatus.class).getId());
  }

  @Test
  void idsFitTheWireRegistryWithoutCollisions() {
    Kryo kryo = Messages.newKryo(); // the wire registry: Kryo throws if an id is taken by another type
    GossipMessages.register(kryo);
    assertTrue(GossipMessages.FIRST_ID == Messages.GOSSIP_ID_FIRST && GossipMessages.LAST_ID == Messages.GOSSIP_ID_LAST);
    GossipSyn syn = new GossipSyn(new GossipPayload.Syn("a", META, List.of(new Digest("a", 1, 2, 0))));
    assertEquals(syn, kryo.readClassAndObject(new Input(encode(kryo, syn))));
  }

  @Test
  void wrapPicksTheMessageOfEachPayload() {
    GossipPayload.Ack2 ack2 = new GossipPayload.Ack2("a", List.of(), List.of());
    assertEquals(new GossipAck2(ack2), GossipMessages.wrap(ack2));
    assertEquals(ack2, GossipMessages.wrap(ack2).payload());
  }

  @Test
  void aHostileLengthIsRefusedBeforeAllocating() {
    Kryo kryo = kryo();
    Output out = new Output(64, -1);
    kryo.writeClass(out, GossipAck2.class);
    WireSerializers.writeString(out, "evil");
    out.writeVarInt(Integer.MAX_VALUE, true);
    KryoException e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(out.toBytes())));
    assertTrue(e.getMessage().contains("Ack2.states: length 2147483647 is over its bound 256"), e.getMessage());
  }

  @Test
  void aHostileStringLengthIsRefusedBeforeAllocating() {
    // found by MessagesTest's garbage fuzzing: Kryo's own readString allocated the claimed length (OOM)
    Kryo kryo = kryo();
    Output out = new Output(64, -1);
    kryo.writeClass(out, GossipSyn.class);
    out.writeVarInt(Integer.MAX_VALUE, true);
    KryoException e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(out.toBytes())));
    assertTrue(e.getMessage().contains("longer than the"), e.getMessage());
  }

  @Test
  void invalidContentIsADecodeError() {
    Kryo kryo = kryo();
    Output out = new Output(64, -1);
    kryo.writeClass(out, Member.class);
    WireSerializers.writeString(out, "a");
    WireSerializers.writeString(out, "h");
    out.writeVarInt(1, true);
    out.writeVarInt(2, true); // two tokens, descending
    out.writeLong(5);
    out.writeLong(4);
    out.writeVarInt(1, true);
    out.writeVarLong(0, true);
    out.writeVarLong(0, true);
    out.writeVarLong(0, true);
    WireSerializers.writeString(out, "");
    KryoException e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(out.toBytes())));
    assertTrue(e.getMessage().contains("strictly ascending"), e.getMessage());
  }

  /** A member with no tokens, written field by field up to its activity. */
  private static Output memberUpToActivity(Kryo kryo) {
    Output out = new Output(64, -1);
    kryo.writeClass(out, Member.class);
    WireSerializers.writeString(out, "a");
    WireSerializers.writeString(out, "h");
    out.writeVarInt(1, true);
    out.writeVarInt(0, true);
    out.writeVarInt(1, true);
    out.writeVarLong(0, true);
    out.writeVarLong(0, true);
    out.writeVarLong(0, true);
    return out;
  }

  @Test
  void anActivityIsReadOnlyWithinItsBound() {
    Kryo kryo = kryo();
    Output ok = memberUpToActivity(kryo);
    WireSerializers.writeString(ok, "leaving: 1%");
    assertEquals("leaving: 1%", ((Member) kryo.readClassAndObject(new Input(ok.toBytes()))).activity());

    Output huge = memberUpToActivity(kryo); // a claimed length over the bound: refused before reading
    huge.writeVarInt(1 << 30, true);
    KryoException e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(huge.toBytes())));
    assertTrue(e.getMessage().contains("Member.activity: 1073741823 bytes is over its bound 768"), e.getMessage());

    Output tooLong = memberUpToActivity(kryo); // within the byte bound, over the character bound
    WireSerializers.writeString(tooLong, "x".repeat(Member.MAX_ACTIVITY_LENGTH + 1));
    e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(tooLong.toBytes())));
    assertTrue(e.getMessage().contains("MAX_ACTIVITY_LENGTH"), e.getMessage());

    Output twoLines = memberUpToActivity(kryo);
    WireSerializers.writeString(twoLines, "a\nb");
    e = assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(twoLines.toBytes())));
    assertTrue(e.getMessage().contains("control"), e.getMessage());

    Output missing = memberUpToActivity(kryo);
    WireSerializers.writeString(missing, null);
    assertThrows(KryoException.class, () -> kryo.readClassAndObject(new Input(missing.toBytes())));
  }

  @Test
  void aMemberStateCostsEightBytesPerToken() {
    int size = encode(kryo(), member("node-17", TokenAllocator.DEFAULT_VNODES, MemberStatus.UP)).length;
    assertTrue(size > 8 * TokenAllocator.DEFAULT_VNODES && size < 8 * TokenAllocator.DEFAULT_VNODES + 64,
        "encoded size " + size);
  }
}
