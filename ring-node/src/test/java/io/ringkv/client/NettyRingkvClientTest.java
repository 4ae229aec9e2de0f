package io.ringkv.client;

import io.ringkv.node.ClientAddress;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.transport.InMemoryClientHandler;
import io.ringkv.transport.TransportConfig;
import io.ringkv.transport.netty.TestNodes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against one loopback server whose core is an in-memory map. */
class NettyRingkvClientTest {
  private static final long EVENTUALLY_MS = 10_000;

  private InMemoryClientHandler handler;
  private TestNodes.ServerNode node;
  private RingkvClient client;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() {
    handler = new InMemoryClientHandler("n1");
    node = TestNodes.server("n1", handler, TransportConfig.DEFAULTS);
    handler.nodes = List.of(node.nodeInfo("n1"));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    node.close();
  }

  private RingkvClient connect(ClientConfig config) {
    client = RingkvClient.connect(config);
    return client;
  }

  @Test
  void putGetDeleteRoundTrip() {
    BlockingRingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint()))).blocking();
    assertFalse(c.get(b("k"), RequestOptions.DEFAULTS).found());

    PutResult put = c.put(b("k"), b("v1"), CausalContext.NONE, RequestOptions.DEFAULTS);
    assertTrue(put.created());
    assertEquals(1, put.acks());
    assertFalse(put.context().isNone());

    GetResult got = c.get(b("k"), RequestOptions.DEFAULTS);
    assertEquals(1, got.values().size());
    assertArrayEquals(b("v1"), got.values().get(0));
    assertEquals(put.context(), got.context());

    DeleteResult deleted = c.delete(b("k"), got.context(), RequestOptions.DEFAULTS);
    assertTrue(deleted.existed());
    assertFalse(c.get(b("k"), RequestOptions.DEFAULTS).found());
  }

  @Test
  void blindWritesMakeSiblingsAndSetOverwritesThem() {
    BlockingRingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint()))).blocking();
    c.put(b("k"), b("a"), CausalContext.NONE, RequestOptions.DEFAULTS);
    c.put(b("k"), b("b"), CausalContext.NONE, RequestOptions.DEFAULTS);
    assertTrue(c.get(b("k"), RequestOptions.DEFAULTS).hasSiblings());

    c.set(b("k"), b("c"), RequestOptions.DEFAULTS);
    GetResult got = c.get(b("k"), RequestOptions.DEFAULTS);
    assertEquals(1, got.values().size());
    assertArrayEquals(b("c"), got.values().get(0));

    assertTrue(c.remove(b("k"), RequestOptions.DEFAULTS).existed());
    assertFalse(c.get(b("k"), RequestOptions.DEFAULTS).found());
  }

  @Test
  void theDowngradingPolicyRetriesOnceAtTheReplicasAliveWithTheSameWriteIdAndOnlyWhenAsked() {
    BlockingRingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint()))).blocking();
    handler.alive = 1;
    QuorumUnavailableException strict = assertThrows(QuorumUnavailableException.class,
        () -> c.put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS));
    assertEquals(2, strict.required());
    assertEquals(1, strict.alive());
    assertEquals(1, handler.received.size(), "off by default: no retry");

    handler.received.clear();
    RequestOptions downgrade = RequestOptions.DEFAULTS.withDowngrade(true);
    PutResult put = c.put(b("k"), b("v"), CausalContext.NONE, downgrade);
    assertEquals(2, put.downgradedFrom());
    List<PutRequest> puts = handler.received.stream().map(PutRequest.class::cast).toList();
    assertEquals(List.of(0, 1), puts.stream().map(PutRequest::w).toList(), "retried at W=alive");
    assertEquals(puts.get(0).writeId(), puts.get(1).writeId(), "the same write id: a replica applies it once");
    assertTrue(puts.get(0).writeId() != 0);

    GetResult got = c.get(b("k"), downgrade);
    assertEquals(2, got.downgradedFrom());
    assertArrayEquals(b("v"), got.values().get(0));
    assertTrue(c.delete(b("k"), got.context(), downgrade).downgraded());

    handler.alive = Integer.MAX_VALUE;
    assertFalse(c.get(b("k"), downgrade).downgraded(), "a quorum that is reachable is not downgraded");
    handler.received.clear();
    RingkvException indeterminate = assertThrows(RingkvException.class,
        () -> c.put(b("indeterminate"), b("v"), CausalContext.NONE, downgrade));
    assertEquals(ErrorCode.INDETERMINATE, indeterminate.code());
    assertEquals(1, handler.received.size(), "a write that may be stored is never retried at a lower W");
  }

  @Test
  void anErrorReplyBecomesARingkvExceptionWithItsCodeAndMessage() {
    RingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint())));
    RingkvException e = assertThrows(RingkvException.class,
        () -> c.blocking().put(b("big"), new byte[32], CausalContext.NONE, RequestOptions.DEFAULTS));
    assertEquals(ErrorCode.LIMIT_EXCEEDED, e.code());
    assertEquals("value of 32 bytes exceeds valueBytesMax 16", e.getMessage());

    ExecutionException async = assertThrows(ExecutionException.class,
        () -> c.put(b("big"), new byte[32], CausalContext.NONE, RequestOptions.DEFAULTS).get(EVENTUALLY_MS,
            TimeUnit.MILLISECONDS));
    assertEquals(ErrorCode.LIMIT_EXCEEDED, assertInstanceOf(RingkvException.class, async.getCause()).code());
  }

  @Test
  void anUnansweredRequestTimesOutWithItsOwnTimeout() throws Exception {
    RingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint())));
    CompletableFuture<GetResult> pending = c.get(b("hang-1"), new RequestOptions(0, 0, 200));
    // The server got it; it just never answers.
    assertNotNull(handler.hung.poll(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> pending.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    RingkvException cause = assertInstanceOf(RingkvException.class, e.getCause());
    assertEquals(ErrorCode.TIMEOUT, cause.code());
    assertTrue(cause.getMessage().contains("within 200 ms"), cause.getMessage());

    RingkvException blocking = assertThrows(RingkvException.class,
        () -> c.blocking().get(b("hang-2"), new RequestOptions(0, 0, 100)));
    assertEquals(ErrorCode.TIMEOUT, blocking.code());
    // the connection still serves other requests
    assertFalse(c.blocking().get(b("k"), RequestOptions.DEFAULTS).found());
  }

  @Test
  void requestsOverMaxInFlightFailFastWithOverloaded() throws Exception {
    RingkvClient c = connect(new ClientConfig(List.of(ClientAddress.of(node.endpoint())), 2_000, 5_000, 60_000, 2));
    CompletableFuture<GetResult> first = c.get(b("hang-1"), RequestOptions.DEFAULTS);
    CompletableFuture<GetResult> second = c.get(b("hang-2"), RequestOptions.DEFAULTS);
    CompletableFuture<GetResult> third = c.get(b("k"), RequestOptions.DEFAULTS);
    assertFalse(first.isDone(), () -> "first: " + first);
    assertFalse(second.isDone(), () -> "second: " + second);
    ExecutionException e = assertThrows(ExecutionException.class, () -> third.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    assertEquals(ErrorCode.OVERLOADED, assertInstanceOf(RingkvException.class, e.getCause()).code());
  }

  @Test
  void aNodesActivityIsMappedAndAMissingOneIsIdle() {
    ClusterInfo info = NettyRingkvClient.toClusterInfo(new io.ringkv.protocol.ClientMessages.InfoReply(1, "n1", "c",
        3, 2, 2, "any", List.of(
            new io.ringkv.protocol.ClientMessages.NodeInfo("n1", "h", 1, "LEAVING", 8, 0.5, "leaving: 3%"),
            new io.ringkv.protocol.ClientMessages.NodeInfo("n2", "h", 2, "UP", 8, 0.5, null)), List.of()));
    assertEquals(List.of("leaving: 3%", ""), info.nodes().stream().map(ClusterInfo.Node::activity).toList());
  }

  @Test
  void infoAndWhereAreMapped() {
    handler.warnings = List.of("cluster size (1) is smaller than replication factor (3)");
    RingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint())));
    ClusterInfo info = c.blocking().info();
    assertEquals("n1", info.nodeId());
    assertEquals("test", info.clusterName());
    assertEquals(3, info.replicationFactor());
    assertEquals(2, info.defaultR());
    assertEquals(ClientAddress.of(node.endpoint()), info.nodes().get(0).endpoint());
    assertEquals("UP", info.nodes().get(0).status());
    assertEquals(handler.warnings, info.warnings());
    assertEquals(info, c.lastInfo());
    assertEquals(ClientAddress.of(node.endpoint()), c.currentNode());

    c.blocking().put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
    List<ClusterInfo.ReplicaState> where = c.blocking().where(b("k"));
    assertEquals(2, where.size());
    assertEquals("primary", where.get(0).role());
    assertArrayEquals(b("v"), where.get(0).values().get(0));
    assertFalse(where.get(1).answered());
    assertEquals(new NodeAddress("127.0.0.1", 2), where.get(1).endpoint());
  }

  @Test
  void heartbeatsReportChangedWarnings() throws Exception {
    RingkvClient c = connect(new ClientConfig(List.of(ClientAddress.of(node.endpoint())), 2_000, 5_000, 50, 16));
    CompletableFuture<List<String>> changed = new CompletableFuture<>();
    c.addListener(new ClientListener() {
      @Override
      public void onWarningsChanged(List<String> warnings) {
        changed.complete(warnings);
      }
    });
    handler.warnings = List.of("cluster size (1) is smaller than replication factor (3)");
    assertEquals(handler.warnings, changed.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    assertEquals(handler.warnings, c.lastInfo().warnings());
  }

  @Test
  void concurrentRequestsEachGetTheirOwnReply() throws Exception {
    RingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint())));
    int count = 300;
    List<CompletableFuture<PutResult>> puts = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      puts.add(c.put(b("key-" + i), b("value-" + i), CausalContext.NONE, RequestOptions.DEFAULTS));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(EVENTUALLY_MS, TimeUnit.MILLISECONDS);
    List<CompletableFuture<GetResult>> gets = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      gets.add(c.get(b("key-" + i), RequestOptions.DEFAULTS));
    }
    for (int i = 0; i < count; i++) {
      GetResult got = gets.get(i).get(EVENTUALLY_MS, TimeUnit.MILLISECONDS);
      assertArrayEquals(b("value-" + i), got.values().get(0), "key-" + i);
    }
  }

  @Test
  void aReplyTooLargeForTheNodesFrameLimitArrivesAsAnInternalError() {
    InMemoryClientHandler small = new InMemoryClientHandler("n2");
    try (TestNodes.ServerNode tiny = TestNodes.server("n2", small, TransportConfig.DEFAULTS.withMaxFrameBytes(4096))) {
      small.nodes = List.of(tiny.nodeInfo("n2"));
      RingkvClient c = connect(ClientConfig.of(ClientAddress.of(tiny.endpoint())));
      // The request fits (3000 bytes); the reply would too, but the value twice as siblings does not.
      c.blocking().put(b("k"), new byte[3000], CausalContext.NONE, RequestOptions.DEFAULTS);
      c.blocking().put(b("k"), new byte[3000], CausalContext.NONE, RequestOptions.DEFAULTS);
      RingkvException e = assertThrows(RingkvException.class, () -> c.blocking().get(b("k"), RequestOptions.DEFAULTS));
      assertEquals(ErrorCode.INTERNAL, e.code());
      assertTrue(e.getMessage().contains("the reply could not be sent"), e.getMessage());
      c.close();
    }
  }

  @Test
  void connectingToNothingNamesEveryNodeTried() {
    NodeAddress a = new NodeAddress("127.0.0.1", TestNodes.closedPort());
    NodeAddress b = new NodeAddress("127.0.0.1", TestNodes.closedPort());
    NoNodeReachableException e = assertThrows(NoNodeReachableException.class,
        () -> RingkvClient.connect(new ClientConfig(List.of(a, b), 1_000, 1_000, 1_000, 16)));
    assertTrue(e.getMessage().startsWith("no node reachable (tried " + a + ", " + b + "); last error: cannot connect to "
        + b), e.getMessage());
  }

  @Test
  void closedClientFailsRequests() {
    RingkvClient c = connect(ClientConfig.of(ClientAddress.of(node.endpoint())));
    c.close();
    RingkvException e = assertThrows(RingkvException.class, () -> c.blocking().get(b("k"), RequestOptions.DEFAULTS));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }
}
