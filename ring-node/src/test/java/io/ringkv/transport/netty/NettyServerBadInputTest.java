package io.ringkv.transport.netty;

import io.ringkv.node.ClientAddress;
import io.ringkv.protocol.WireCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.transport.InMemoryClientHandler;
import io.ringkv.transport.TransportConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bytes a well-behaved client never sends, over a raw socket. Each must get an ErrorReply or a closed
 * connection, and afterwards the server must still serve a normal client.
 */
class NettyServerBadInputTest {
  private static final int MAX_FRAME = 1024 * 1024;
  private static final int SOCKET_READ_TIMEOUT_MS = 10_000; // a hung server fails the test, never hangs it

  private InMemoryClientHandler handler;
  private TestNodes.ServerNode node;

  @BeforeEach
  void start() {
    handler = new InMemoryClientHandler("n1");
    node = TestNodes.server("n1", handler, TransportConfig.DEFAULTS.withMaxFrameBytes(MAX_FRAME)
        .withMaxInFlightPerConnection(2));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  // ------------------------------------------------------------------ scenarios

  @Test
  void garbageBytesBeforeHello() throws IOException {
    try (Raw raw = new Raw()) {
      raw.out.write("GARBAGE GARBAGE GARBAGE!".getBytes(StandardCharsets.US_ASCII));
      raw.out.flush();
      ErrorReply error = raw.readError();
      assertEquals(ErrorCode.PROTOCOL, error.code());
      assertTrue(error.message().contains("exceeds maxFrameBytes"), error.message());
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void garbageFrameAfterHelloIsAnsweredAndTheConnectionLives() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.frame(41, new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, 0x42});
      ErrorReply error = raw.readError();
      assertEquals(41, error.requestId());
      assertEquals(ErrorCode.PROTOCOL, error.code());
      raw.send(new GetRequest(42, "k".getBytes(StandardCharsets.UTF_8), 0, 0));
      assertEquals(42, assertInstanceOf(GetReply.class, raw.read()).requestId());
    }
    assertAFreshClientStillReads();
  }

  @Test
  void truncatedFrameThenClose() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.out.writeInt(100);
      raw.out.writeLong(7);
      raw.out.write(new byte[10]);
      raw.out.flush();
      raw.socket.shutdownOutput();
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void unknownMessageId() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.frame(77, new byte[] {(byte) 0xe9, 0x07}); // varint 1001 = class id 999
      ErrorReply error = raw.readError();
      assertEquals(77, error.requestId());
      assertEquals(ErrorCode.PROTOCOL, error.code());
      assertTrue(error.message().contains("999"), error.message());
    }
    assertAFreshClientStillReads();
  }

  @Test
  void oversizeLengthPrefix() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.out.writeInt(Integer.MAX_VALUE);
      raw.out.writeLong(5);
      raw.out.flush();
      ErrorReply error = raw.readError();
      assertEquals(5, error.requestId());
      assertTrue(error.message().contains("exceeds maxFrameBytes " + MAX_FRAME), error.message());
    }
    assertAFreshClientStillReads();
  }

  @Test
  void aFrameOverTheHelloLimitBeforeHelloIsRefused() throws IOException {
    try (Raw raw = new Raw()) {
      raw.out.writeInt(200_000); // under maxFrameBytes, over HELLO_MAX_FRAME_BYTES
      raw.out.writeLong(9);
      raw.out.flush();
      ErrorReply error = raw.readError();
      assertEquals(9, error.requestId());
      assertTrue(error.message().contains("before Hello exceeds " + WireCodec.HELLO_MAX_FRAME_BYTES), error.message());
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void aLargeFrameAfterHelloIsAccepted() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      byte[] value = new byte[200_000];
      raw.send(new io.ringkv.protocol.ClientMessages.PutRequest(4, "k".getBytes(StandardCharsets.UTF_8), value, null, 0, 0));
      assertEquals(4, assertInstanceOf(io.ringkv.protocol.ClientMessages.PutReply.class, raw.read()).requestId());
    }
  }

  @Test
  void requestBeforeHello() throws IOException {
    try (Raw raw = new Raw()) {
      raw.send(new GetRequest(3, "k".getBytes(StandardCharsets.UTF_8), 0, 0));
      ErrorReply error = raw.readError();
      assertEquals(3, error.requestId());
      assertTrue(error.message().contains("expected Hello"), error.message());
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void wrongProtocolVersion() throws IOException {
    try (Raw raw = new Raw()) {
      raw.send(new Hello(99, null, null, 0, null));
      ErrorReply error = raw.readError();
      assertEquals("protocol version 99 is not supported; this node speaks " + Messages.PROTOCOL_VERSION,
          error.message());
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void peerOfAnotherCluster() throws IOException {
    try (Raw raw = new Raw()) {
      raw.send(new Hello(Messages.PROTOCOL_VERSION, "n9", "127.0.0.1", 7000, "other"));
      // first a gossip refusal naming both clusters (a joiner that is refused exits with status 3) ...
      io.ringkv.internode.GossipMessages.GossipReject reject =
          assertInstanceOf(io.ringkv.internode.GossipMessages.GossipReject.class, raw.read());
      assertEquals("cluster name mismatch: this node has 'other', the peer belongs to cluster 'test'",
          reject.payload().reason());
      // ... then the handshake's error, and the connection closes
      ErrorReply error = raw.readError();
      assertTrue(error.message().contains("'other' does not match this node's cluster 'test'"), error.message());
      raw.assertClosed();
    }
    assertAFreshClientStillReads();
  }

  @Test
  void silentConnectionIsClosedAfterTheHelloTimeout() throws IOException {
    try (TestNodes.ServerNode impatient = TestNodes.server("n2", new InMemoryClientHandler("n2"),
        TransportConfig.DEFAULTS.withHelloTimeoutMs(200));
        Raw raw = new Raw(impatient.server().boundPort())) {
      raw.assertClosed(); // helloTimeoutMs=200; the socket's read timeout is far longer
    }
    assertAFreshClientStillReads();
  }

  @Test
  void requestsOverTheInFlightBoundAreOverloaded() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      byte[] hang = "hang".getBytes(StandardCharsets.UTF_8);
      raw.send(new GetRequest(1, hang, 0, 0));
      raw.send(new GetRequest(2, hang, 0, 0));
      raw.send(new GetRequest(3, hang, 0, 0));
      ErrorReply error = raw.readError();
      assertEquals(3, error.requestId());
      assertEquals(ErrorCode.OVERLOADED, error.code());
    }
    assertAFreshClientStillReads();
  }

  @Test
  void connectionsOverTheBoundAreRefusedWithOverloaded() throws IOException {
    try (TestNodes.ServerNode small = TestNodes.server("n2", new InMemoryClientHandler("n2"),
        TransportConfig.DEFAULTS.withMaxConnections(1));
        Socket first = new Socket("127.0.0.1", small.server().boundPort())) {
      first.setSoTimeout(SOCKET_READ_TIMEOUT_MS);
      new DataOutputStream(first.getOutputStream()).write(frameOf(new Hello(Messages.PROTOCOL_VERSION, null, null, 0, null)));
      DataInputStream firstIn = new DataInputStream(first.getInputStream());
      firstIn.readInt();
      firstIn.readLong(); // the HelloOk's header: the first connection is established and counted
      try (Raw second = new Raw(small.server().boundPort())) {
        ErrorReply error = second.readError();
        assertEquals(ErrorCode.OVERLOADED, error.code());
        assertTrue(error.message().contains("maxConnections=1"), error.message());
        second.assertClosed();
      }
    }
  }

  @Test
  void aReplicaMessageFromAClientIsRefused() throws IOException {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.send(new io.ringkv.internode.ReplicaMessages.ReplicaRead(8, new byte[] {1}));
      ErrorReply error = raw.readError();
      assertEquals(8, error.requestId());
      assertTrue(error.message().contains("not a client request"), error.message());
    }
    assertAFreshClientStillReads();
  }

  // ------------------------------------------------------------------ helpers

  private void assertAFreshClientStillReads() {
    try (RingkvClient client = RingkvClient.connect(ClientConfig.of(ClientAddress.of(node.endpoint())))) {
      client.blocking().put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
          null, RequestOptions.DEFAULTS);
      assertTrue(client.blocking().get("k".getBytes(StandardCharsets.UTF_8), RequestOptions.DEFAULTS).found());
    }
  }

  private static byte[] frameOf(Message m) {
    return frameOf(Messages.requestIdOf(m), Messages.toBytes(m));
  }

  private static byte[] frameOf(long requestId, byte[] body) {
    return java.nio.ByteBuffer.allocate(12 + body.length).putInt(8 + body.length).putLong(requestId).put(body).array();
  }

  private final class Raw implements AutoCloseable {
    final Socket socket;
    final DataOutputStream out;
    final DataInputStream in;

    Raw() throws IOException {
      this(node.server().boundPort());
    }

    Raw(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(SOCKET_READ_TIMEOUT_MS);
      out = new DataOutputStream(socket.getOutputStream());
      in = new DataInputStream(socket.getInputStream());
    }

    void hello() throws IOException {
      send(new Hello(Messages.PROTOCOL_VERSION, null, null, 0, null));
      assertInstanceOf(HelloOk.class, read());
    }

    void send(Message m) throws IOException {
      frame(Messages.requestIdOf(m), Messages.toBytes(m));
    }

    void frame(long requestId, byte[] body) throws IOException {
      out.write(frameOf(requestId, body));
      out.flush();
    }

    Message read() throws IOException {
      int length = in.readInt();
      assertTrue(length > 8 && length < MAX_FRAME, "frame length " + length);
      long requestId = in.readLong();
      byte[] body = new byte[length - 8];
      in.readFully(body);
      Message m = Messages.fromBytes(body);
      assertEquals(requestId, Messages.requestIdOf(m));
      return m;
    }

    ErrorReply readError() throws IOException {
      return assertInstanceOf(ErrorReply.class, read());
    }

    /** The server closed its side: the next read sees end of stream (or a reset). */
    void assertClosed() throws IOException {
      try {
        assertEquals(-1, in.read(), "expected the server to close the connection");
      } catch (EOFException | SocketException closed) {
        assertFalse(socket.isInputShutdown());
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
