package io.ringkv.transport.netty;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.transport.InMemoryClientHandler;
import io.ringkv.transport.Transport;
import io.ringkv.transport.TransportConfig;
import io.ringkv.transport.TransportContractTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/** The transport contract over real loopback sockets. */
class NettyTransportContractTest extends TransportContractTest {
  private static final long EVENTUALLY_MS = 10_000;
  private final List<AutoCloseable> open = new ArrayList<>();

  @Override
  protected Transport newTransport(String id, Transport.PeerHandler handler) {
    NettyNetwork network = new NettyNetwork(id, 1, 2_000);
    open.add(network);
    NettyServer server = new NettyServer(network, TransportConfig.DEFAULTS, id, "test", "127.0.0.1", 0,
        new InMemoryClientHandler(id)).start();
    open.add(server);
    NettyTransport transport = new NettyTransport(network, server, TransportConfig.DEFAULTS, id, "test",
        new Endpoint("127.0.0.1", server.boundPort()));
    open.add(transport);
    transport.start(handler);
    return transport;
  }

  @Override
  protected void awaitUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000); // polling, not a timing assertion
    }
    assertTrue(condition.getAsBoolean(), "condition not reached within " + EVENTUALLY_MS + " ms");
  }

  @Override
  protected Endpoint nowhere() {
    return new Endpoint("127.0.0.1", TestNodes.closedPort());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }
}
