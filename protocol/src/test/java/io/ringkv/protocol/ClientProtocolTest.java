package io.ringkv.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.Hello;
import org.junit.jupiter.api.Test;

/** The client protocol on its own, as a client process has it: no server on the class path. */
class ClientProtocolTest {
  @Test
  void everySerializerReadsThroughABoundedInput() {
    // Kryo's readString allocates the claimed char count first; GossipMessages reads strings with it
    // (found by corruptMessageBodiesAreProtocolErrors over the gossip ids: OutOfMemoryError).
    Output out = new Output(16);
    out.writeVarIntFlag(true, Integer.MAX_VALUE, true);
    com.esotericsoftware.kryo.KryoException e = assertThrows(com.esotericsoftware.kryo.KryoException.class,
        () -> new BoundedInput(out.toBytes()).readString());
    assertTrue(e.getMessage().contains("left in the frame"), e.getMessage());
    assertThrows(com.esotericsoftware.kryo.KryoException.class, () -> new BoundedInput(new byte[4]).readBytes(1 << 30));
    assertThrows(com.esotericsoftware.kryo.KryoException.class, () -> new BoundedInput(new byte[4]).readLongs(1 << 30));

    Output ok = new Output(16);
    ok.writeString("héllo");
    ok.writeString("ascii");
    ok.writeString(null);
    BoundedInput in = new BoundedInput(ok.toBytes());
    assertEquals("héllo", in.readString());
    assertEquals("ascii", in.readString());
    assertEquals(null, in.readString());
  }

  @Test
  void aClientProcessHasNoWireExtensionsAndRefusesInternodeFrames() {
    assertTrue(!Messages.hasExtensions(), "this module's tests run without the server on the class path");
    // id 44 is ReplicaMerge in a server; a client does not know it and says so instead of decoding it
    Output out = new Output(16);
    out.writeVarInt(44 + 2, true); // Kryo writes class ids + 2
    ProtocolException e = assertThrows(ProtocolException.class, () -> Messages.fromBytes(out.toBytes()));
    assertTrue(e.getMessage().startsWith("cannot decode message"), e.getMessage());
  }

  @Test
  void clientMessagesRoundTripWithTheClientRegistryAlone() {
    Hello hello = new Hello(Messages.PROTOCOL_VERSION, null, null, 0, null);
    assertEquals(hello, Messages.fromBytes(Messages.toBytes(hello)));
    GetRequest get = new GetRequest(7, "k".getBytes(), 2, 1000);
    assertInstanceOf(GetRequest.class, Messages.fromBytes(Messages.toBytes(get)));
  }
}
