package io.ringkv.transport.netty;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.transport.ClientRequestHandler;
import io.ringkv.transport.InMemoryClientHandler;
import io.ringkv.transport.TransportConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** A node's network stack on loopback for tests: its own threads, a server on an ephemeral port. */
public final class TestNodes {
  private TestNodes() {}

  /** A server and the network it runs on; close() stops both. */
  public record ServerNode(NettyNetwork network, NettyServer server, ClientRequestHandler handler)
      implements AutoCloseable {
    public Endpoint endpoint() {
      return new Endpoint("127.0.0.1", server.boundPort());
    }

    public NodeInfo nodeInfo(String id) {
      return new NodeInfo(id, "127.0.0.1", server.boundPort(), "UP", 256, 0.5, "");
    }

    @Override
    public void close() {
      server.close();
      network.close();
    }
  }

  public static ServerNode server(String nodeId, ClientRequestHandler handler, TransportConfig config) {
    return server(nodeId, handler, config, 0);
  }

  public static ServerNode server(String nodeId, ClientRequestHandler handler, TransportConfig config, int port) {
    NettyNetwork network = new NettyNetwork(nodeId, 1, 2_000);
    try {
      NettyServer server = new NettyServer(network, config, nodeId, "test", "127.0.0.1", port, handler).start();
      return new ServerNode(network, server, handler);
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  public static ServerNode server(String nodeId) {
    return server(nodeId, new InMemoryClientHandler(nodeId), TransportConfig.DEFAULTS);
  }

  /** A loopback port nobody listens on (bound then released; good enough on a test machine). */
  public static int closedPort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
