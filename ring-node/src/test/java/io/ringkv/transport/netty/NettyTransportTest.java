package io.ringkv.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.transport.InMemoryClientHandler;
import io.ringkv.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two nodes' transports on loopback: messages both ways, reconnection, bounded queues. */
class NettyTransportTest {
  /** Upper bound for anything that should happen at once on loopback; only reached when broken. */
  private static final long EVENTUALLY_MS = 10_000;

  private static final TransportConfig CONFIG =
      TransportConfig.DEFAULTS.withReconnectBackoffMs(20, 200).withPeerQueue(1_000, 5_000);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  private record Received(Endpoint from, Message message) {}

  /** A node: network, server, transport, and a queue of what its peer handler received. */
  private final class Node implements AutoCloseable {
    final String id;
    final NettyNetwork network;
    final NettyServer server;
    final NettyTransport transport;
    final BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();

    Node(String id, int port, String cluster, TransportConfig config) {
      this.id = id;
      network = new NettyNetwork(id, 1, 2_000);
      server = new NettyServer(network, config, id, cluster, "127.0.0.1", port, new InMemoryClientHandler(id)).start();
      transport = new NettyTransport(network, server, config, id, cluster,
          new Endpoint("127.0.0.1", server.boundPort()));
      transport.start((from, message) -> inbox.add(new Received(from, message)));
      toClose.add(this);
    }

    Node(String id) {
      this(id, 0, "test", CONFIG);
    }

    Endpoint endpoint() {
      return transport.localEndpoint();
    }

    Received next() throws InterruptedException {
      Received r = inbox.poll(EVENTUALLY_MS, TimeUnit.MILLISECONDS);
      assertNotNull(r, id + " received nothing within " + EVENTUALLY_MS + " ms");
      return r;
    }

    @Override
    public void close() {
      transport.close();
      server.close();
      network.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void messagesFlowBothWaysWithTheSendersAdvertisedEndpoint() throws Exception {
    Node a = new Node("a");
    Node b = new Node("b");
    // b answers every ReplicaRead with a ReplicaAck sent back through its own transport
    b.transport.start((from, message) -> {
      b.inbox.add(new Received(from, message));
      if (message instanceof ReplicaRead read) {
        b.transport.send(from, new ReplicaAck(read.requestId()));
      }
    });

    a.transport.send(b.endpoint(), new ReplicaRead(1, "k".getBytes(StandardCharsets.UTF_8)));
    Received atB = b.next();
    assertEquals(a.endpoint(), atB.from());
    assertEquals(1, assertInstanceOf(ReplicaRead.class, atB.message()).requestId());

    Received atA = a.next();
    assertEquals(b.endpoint(), atA.from());
    assertEquals(new ReplicaAck(1), atA.message());

    VersionedObject object = VersionedObject.EMPTY.write(VersionVector.EMPTY,
        "v".getBytes(StandardCharsets.UTF_8), "a", 1_000);
    a.transport.send(b.endpoint(), new ReplicaMerge(2, "k".getBytes(StandardCharsets.UTF_8), object, null));
    assertEquals(object, assertInstanceOf(ReplicaMerge.class, b.next().message()).object());

    assertEquals(2, a.transport.stats().sent());
    assertEquals(0, a.transport.stats().dropped());
    assertTrue(a.transport.isConnected(b.endpoint()));
  }

  @Test
  void manyMessagesArriveInOrderOnOneConnection() throws Exception {
    Node a = new Node("a");
    Node b = new Node("b");
    int count = 500;
    for (int i = 1; i <= count; i++) {
      a.transport.send(b.endpoint(), new ReplicaAck(i));
    }
    for (int i = 1; i <= count; i++) {
      assertEquals(new ReplicaAck(i), b.next().message());
    }
  }

  @Test
  void reconnectsAfterThePeerRestartsOnTheSamePort() throws Exception {
    Node a = new Node("a");
    Node b = new Node("b");
    int port = b.server.boundPort();
    a.transport.send(b.endpoint(), new ReplicaAck(1));
    assertEquals(new ReplicaAck(1), b.next().message());

    b.close();
    toClose.remove(b);
    Node b2 = new Node("b", port, "test", CONFIG);

    // Messages written into the dying connection may be lost (the core relies on timeouts); keep
    // sending until the restarted node hears one, which needs a reconnect.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
    Received received = null;
    for (long id = 2; received == null && System.nanoTime() < deadline; id++) {
      a.transport.send(b2.endpoint(), new ReplicaAck(id));
      received = b2.inbox.poll(50, TimeUnit.MILLISECONDS);
    }
    assertNotNull(received, "the restarted peer never received a message");
    assertEquals(a.endpoint(), received.from());
    assertInstanceOf(ReplicaAck.class, received.message());
  }

  @Test
  void queuedMessagesAreDeliveredOnceThePeerComesUp() throws Exception {
    int port = TestNodes.closedPort();
    Node a = new Node("a");
    Endpoint later = new Endpoint("127.0.0.1", port);
    a.transport.send(later, new ReplicaAck(1));
    a.transport.send(later, new ReplicaAck(2));
    Node b = new Node("b", port, "test", CONFIG);
    assertEquals(new ReplicaAck(1), b.next().message());
    assertEquals(new ReplicaAck(2), b.next().message());
  }

  @Test
  void aFullQueueDropsAndCounts() {
    Node a = new Node("a", 0, "test", CONFIG.withPeerQueue(3, 60_000));
    Endpoint nobody = new Endpoint("127.0.0.1", TestNodes.closedPort());
    for (int i = 1; i <= 10; i++) {
      a.transport.send(nobody, new ReplicaAck(i));
    }
    assertEquals(7, a.transport.stats().droppedQueueFull());
    assertEquals(3, a.transport.queuedTo(nobody));
    assertFalse(a.transport.isConnected(nobody));
  }

  @Test
  void messagesQueuedTooLongAreDroppedAndCounted() throws Exception {
    Node a = new Node("a", 0, "test", CONFIG.withPeerQueue(100, 1).withReconnectBackoffMs(1, 5));
    Endpoint nobody = new Endpoint("127.0.0.1", TestNodes.closedPort());
    a.transport.send(nobody, new ReplicaAck(1));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
    while (a.transport.stats().droppedExpired() == 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000); // polling, not a timing assertion
    }
    assertEquals(1, a.transport.stats().droppedExpired());
    assertEquals(0, a.transport.queuedTo(nobody));
  }

  @Test
  void aPeerOfAnotherClusterIsRefusedAndNothingIsDelivered() throws Exception {
    Node a = new Node("a", 0, "blue", CONFIG);
    Node b = new Node("b", 0, "green", CONFIG);
    a.transport.send(b.endpoint(), new ReplicaAck(1));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
    while (a.transport.stats().connectFailures() == 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000); // polling, not a timing assertion
    }
    assertTrue(a.transport.stats().connectFailures() >= 1);
    assertTrue(b.server.protocolErrors() >= 1);
    assertTrue(b.inbox.isEmpty());
  }

  @Test
  void aPeerThatStopsReadingGetsAFreshConnection() throws Exception {
    // A fake peer: answers the Hello, then never reads again, like a stuck process.
    java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (java.net.ServerSocket stuck = new java.net.ServerSocket()) {
      stuck.setReceiveBufferSize(4096); // before bind, so accepted sockets buffer little
      stuck.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            java.net.Socket s = stuck.accept();
            sockets.add(s);
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            in.readFully(new byte[in.readInt()]); // the Hello
            byte[] ok = io.ringkv.protocol.Messages.toBytes(
                new io.ringkv.protocol.ClientMessages.HelloOk(1, "stuck", "test"));
            java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
            out.writeInt(8 + ok.length);
            out.writeLong(0);
            out.write(ok);
            out.flush();
            accepted.incrementAndGet();
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      }, "stuck-peer");
      acceptor.setDaemon(true);
      acceptor.start();

      Node a = new Node("a", 0, "test", CONFIG.withPeerQueue(10_000, 200));
      Endpoint peer = new Endpoint("127.0.0.1", stuck.getLocalPort());
      long connected = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
      while (!a.transport.isConnected(peer) && System.nanoTime() < connected) {
        a.transport.send(peer, new ReplicaAck(0));
        LockSupport.parkNanos(20_000_000); // polling, not a timing assertion
      }
      assertTrue(a.transport.isConnected(peer));
      VersionedObject big = VersionedObject.EMPTY.write(VersionVector.EMPTY, new byte[256 * 1024], "a", 1);
      for (int i = 0; i < 64; i++) { // 16 MiB: more than the socket buffers hold (a few MiB on loopback)
        a.transport.send(peer, new ReplicaMerge(i, "k".getBytes(StandardCharsets.UTF_8), big, null));
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
      while (accepted.get() < 2 && System.nanoTime() < deadline) {
        a.transport.send(peer, new ReplicaAck(1)); // each send re-checks the stalled connection
        LockSupport.parkNanos(20_000_000); // polling, not a timing assertion
      }
      assertTrue(accepted.get() >= 2, "the transport never gave up on the stuck connection: accepted "
          + accepted.get() + ", " + a.transport.stats() + ", queued " + a.transport.queuedTo(peer));
      assertTrue(a.transport.stats().droppedExpired() > 0);
    } finally {
      for (java.net.Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void sendAfterCloseIsDroppedAndCounted() {
    Node a = new Node("a");
    a.transport.close();
    a.transport.send(new Endpoint("127.0.0.1", 1), new ReplicaAck(1));
    assertEquals(1, a.transport.stats().droppedOther());
  }
}
