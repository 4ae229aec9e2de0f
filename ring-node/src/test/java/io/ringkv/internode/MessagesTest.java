package io.ringkv.internode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.protocol.ClientMessages;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.protocol.ProtocolException;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MessagesTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Message roundTrip(Message m) {
    return Messages.fromBytes(Messages.toBytes(m));
  }

  @Test
  void clientMessagesSurviveTheWire() {
    Hello hello = new Hello(1, "n1", "10.0.0.1", 7000, "prod");
    assertEquals(hello, roundTrip(hello));

    GetReply reply = (GetReply) roundTrip(new GetReply(7, List.of(b("a"), b("bb")), b("ctx"), 2));
    assertEquals(7, reply.requestId());
    assertEquals(2, reply.values().size());
    assertArrayEquals(b("bb"), reply.values().get(1));
    assertArrayEquals(b("ctx"), reply.context());

    PutRequest put = (PutRequest) roundTrip(new PutRequest(9, b("k"), b("v"), null, 2, 0));
    assertArrayEquals(b("k"), put.key());
    assertEquals(null, put.context());

    InfoReply info = new InfoReply(3, "n1", "prod", 3, 2, 2, "utf8",
        List.of(new NodeInfo("n1", "h", 1, "UP", 256, 0.5, ""),
            new NodeInfo("n2", "h", 2, "LEAVING", 256, 0.5, "leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s")),
        List.of("cluster size (1) is smaller than N (3)"));
    assertEquals(info, roundTrip(info));

    WhereReply where = (WhereReply) roundTrip(new WhereReply(4,
        List.of(new ReplicaView("n2", "h", 2, "fallback for n1", false, Arrays.asList(b("x")), 1))));
    assertEquals("fallback for n1", where.replicas().get(0).role());
    assertArrayEquals(b("x"), where.replicas().get(0).values().get(0));

    ErrorReply error = new ErrorReply(5, ErrorCode.OVERLOADED, "slow down");
    assertEquals(error, roundTrip(error));
    ErrorReply unavailable = new ErrorReply(6, ErrorCode.UNAVAILABLE, "1 of 2 replicas alive", 2, 1);
    assertEquals(unavailable, roundTrip(unavailable));
    assertEquals(new ClientMessages.StopNodeRequest(7, "n2"), roundTrip(new ClientMessages.StopNodeRequest(7, "n2")));
    ClientMessages.VerifyReply verify = new ClientMessages.VerifyReply(8, 10, 0, 3, List.of("n4"), false, 6_000);
    assertEquals(verify, roundTrip(verify));
  }

  @Test
  void replicaMessagesCarryStorageTypes() {
    VersionedObject object = VersionedObject.EMPTY.write(VersionVector.EMPTY, b("v1"), "n1", 1_000);
    ReplicaMerge merge = (ReplicaMerge) roundTrip(new ReplicaMerge(11, b("k"), object, "n3"));
    assertEquals(object, merge.object());
    assertEquals("n3", merge.hintFor());

    ReplicaWrite write = (ReplicaWrite) roundTrip(new ReplicaWrite(12, b("k"), object.context(), null, "n2", List.of("n5"), 77, 1234));
    assertEquals(object.context(), write.context());
    assertEquals("n2", write.hintFor());
    assertEquals(List.of("n5"), write.ownersWithoutStandIn());
    assertEquals(77, write.writeId());
    assertEquals(1234, write.mintByMs());

    assertEquals(new ReplicaReadReply(13, null), roundTrip(new ReplicaReadReply(13, null)));
  }

  @Test
  void idsAreTheProtocolAndNeverMove() {
    Kryo kryo = Messages.newKryo();
    Map<Class<?>, Integer> expected = new LinkedHashMap<>();
    expected.put(byte[].class, 10);
    expected.put(java.util.ArrayList.class, 11);
    expected.put(ErrorCode.class, 18);
    expected.put(Hello.class, 20);
    expected.put(ClientMessages.HelloOk.class, 21);
    expected.put(GetRequest.class, 22);
    expected.put(GetReply.class, 23);
    expected.put(PutRequest.class, 24);
    expected.put(ClientMessages.PutReply.class, 25);
    expected.put(ClientMessages.DeleteRequest.class, 26);
    expected.put(ClientMessages.DeleteReply.class, 27);
    expected.put(ClientMessages.InfoRequest.class, 28);
    expected.put(InfoReply.class, 29);
    expected.put(NodeInfo.class, 30);
    expected.put(ClientMessages.WhereRequest.class, 31);
    expected.put(WhereReply.class, 32);
    expected.put(ReplicaView.class, 33);
    expected.put(ErrorReply.class, 34);
    expected.put(ClientMessages.StopNodeRequest.class, 140);
    expected.put(ReplicaMessages.ReplicaRead.class, 40);
    expected.put(ReplicaReadReply.class, 41);
    expected.put(ReplicaWrite.class, 42);
    expected.put(ReplicaMessages.ReplicaWriteReply.class, 43);
    expected.put(ReplicaMerge.class, 44);
    expected.put(ReplicaMessages.ReplicaAck.class, 45);
    expected.put(VersionVector.class, 100);
    expected.put(VersionedObject.class, 101);
    expected.forEach((type, id) -> assertEquals(id, kryo.getRegistration(type).getId(), type.getName()));
  }

  @Test
  void everyMessageTypeIsRegistered() {
    Kryo kryo = Messages.newKryo();
    for (Class<?> holder : List.of(ClientMessages.class, ReplicaMessages.class)) {
      for (Class<?> type : holder.getDeclaredClasses()) {
        // getRegistration throws for an unregistered class when registration is required
        assertTrue(kryo.getRegistration(type).getId() > 0, type.getName());
      }
    }
  }

  @Test
  void unknownMessageIdIsAProtocolError() {
    Output out = new Output(16);
    out.writeVarInt(999 + 2, true); // Kryo writes class ids as id + 2
    ProtocolException e = assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()));
    assertTrue(e.getMessage().contains("999"), e.getMessage());
  }

  @Test
  void aHugeDeclaredLengthIsRefusedWithoutAllocatingIt() {
    // GetRequest whose key claims 2^31-2 bytes: must fail on the length check, not try to allocate 2 GiB.
    Output out = new Output(32);
    out.writeVarInt(22 + 2, true);
    out.writeVarInt(Integer.MAX_VALUE, true);
    ProtocolException e = assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()));
    assertTrue(e.getMessage().contains("left in the frame"), e.getMessage());
  }

  @Test
  void aHugeListSizeIsRefused() {
    Output out = new Output(32);
    out.writeVarInt(11 + 2, true); // ArrayList
    out.writeVarInt(Integer.MAX_VALUE, true);
    assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()));
  }

  @Test
  void trailingBytesAndNonMessagesAreRefused() {
    byte[] ok = Messages.toBytes(new ClientMessages.InfoRequest(1));
    byte[] longer = Arrays.copyOf(ok, ok.length + 3);
    assertTrue(assertThrows(ProtocolException.class, () -> Messages.fromBytes(longer))
        .getMessage().contains("unexpected bytes"));

    Output out = new Output(16);
    out.writeVarInt(10 + 2, true); // a bare byte[]
    out.writeVarInt(1, true);
    assertTrue(assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()))
        .getMessage().contains("not a message"));
    assertThrows(ProtocolException.class, () -> Messages.fromBytes(new byte[0]));
  }

  @Test
  void encodingOverTheLimitIsRefused() {
    var buf = io.netty.buffer.Unpooled.buffer();
    try {
      ProtocolException e = assertThrows(ProtocolException.class,
          () -> Messages.encode(new PutRequest(1, b("k"), new byte[4096], null, 0, 0), buf, 1024));
      assertTrue(e.getMessage().contains("over the limit of 1024"), e.getMessage());
      assertEquals(0, buf.writerIndex());
    } finally {
      buf.release();
    }
  }

  @Test
  void aClassNameOnTheWireIsRefusedBeforeItIsRead() {
    // Kryo's id 1 means "class name follows"; a name claiming 2^31 chars once cost an OutOfMemoryError.
    Output out = new Output(16);
    out.writeVarInt(1, true);
    out.writeVarInt(0, true);
    out.writeVarInt(Integer.MAX_VALUE, true);
    assertTrue(assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()))
        .getMessage().contains("class names are not accepted"));
  }

  /** Whatever the bytes, decoding yields a message or a ProtocolException: never another failure, never OOM. */
  @Property(tries = 3000)
  void garbageDecodesToAMessageOrAProtocolError(@ForAll @Size(max = 64) byte[] garbage) {
    try {
      assertInstanceOf(Message.class, Messages.fromBytes(garbage));
    } catch (ProtocolException expected) {
      // the only acceptable failure
    }
  }

  /** The same with a valid class id in front, so the bytes reach each message's field decoders. */
  @Property(tries = 3000)
  void corruptMessageBodiesAreProtocolErrors(@ForAll("messageIds") int id, @ForAll @Size(max = 48) byte[] body) {
    Output out = new Output(64, -1);
    out.writeVarInt(id + 2, true);
    out.writeBytes(body);
    try {
      assertInstanceOf(Message.class, Messages.fromBytes(out.toBytes()));
    } catch (ProtocolException expected) {
      // the only acceptable failure
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Integer> messageIds() {
    // wire building blocks, client and replica messages, gossip/handoff ids, and the storage types (100..102)
    return net.jqwik.api.Arbitraries.oneOf(net.jqwik.api.Arbitraries.integers().between(10, 45),
        net.jqwik.api.Arbitraries.integers().between(Messages.GOSSIP_ID_FIRST, Messages.HANDOFF_ID_LAST),
        net.jqwik.api.Arbitraries.integers().between(100, 102));
  }
}
