package io.ringkv.client;

import io.ringkv.client.NodeAddress;
import io.ringkv.node.ClientAddress;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ErrorCode;
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

/** Two loopback nodes; the client starts on the first and must move to the second when it fails. */
class ClientFailoverTest {
  private static final long EVENTUALLY_MS = 10_000;

  private InMemoryClientHandler h1;
  private InMemoryClientHandler h2;
  private TestNodes.ServerNode n1;
  private TestNodes.ServerNode n2;
  private RingkvClient client;
  private final CompletableFuture<NodeAddress> reconnectedTo = new CompletableFuture<>();
  private final CompletableFuture<ClusterInfo> reconnectedInfo = new CompletableFuture<>();

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() {
    h1 = new InMemoryClientHandler("n1");
    h2 = new InMemoryClientHandler("n2");
    n1 = TestNodes.server("n1", h1, TransportConfig.DEFAULTS);
    n2 = TestNodes.server("n2", h2, TransportConfig.DEFAULTS);
    h1.nodes = List.of(n1.nodeInfo("n1"), n2.nodeInfo("n2"));
    h2.nodes = h1.nodes;
    // Seeds name only n1: n2 must be learned from the heartbeat.
    // connectTimeoutMs (also the heartbeat's timeout) leaves room for a loaded test machine: a
    // spurious failover would move requests to n2 before a test means them to.
    client = RingkvClient.connect(new ClientConfig(List.of(ClientAddress.of(n1.endpoint())), 2_000, 5_000, 100, 64));
    client.addListener(new ClientListener() {
      @Override
      public void onReconnected(NodeAddress now, ClusterInfo info) {
        reconnectedTo.complete(now);
        reconnectedInfo.complete(info);
      }
    });
  }

  @AfterEach
  void stop() {
    client.close();
    n1.close();
    n2.close();
  }

  @Test
  void switchesToTheOtherNodeWhenItsNodeDies() throws Exception {
    assertEquals(ClientAddress.of(n1.endpoint()), client.currentNode());
    assertTrue(((NettyRingkvClient) client).knownNodes().contains(ClientAddress.of(n2.endpoint())));

    n1.close();
    assertEquals(ClientAddress.of(n2.endpoint()), reconnectedTo.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    assertEquals("n2", reconnectedInfo.get().nodeId());
    assertEquals(ClientAddress.of(n2.endpoint()), client.currentNode());

    client.blocking().put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
    assertArrayEquals(b("v"), client.blocking().get(b("k"), RequestOptions.DEFAULTS).values().get(0));
  }

  @Test
  void aRequestInFlightOnTheDeadNodeIsRetriedOnTheNewOne() throws Exception {
    CompletableFuture<GetResult> pending = client.get(b("hang-then-answer"), RequestOptions.DEFAULTS);
    GetRequest atN1 = assertInstanceOf(GetRequest.class, h1.hung.poll(EVENTUALLY_MS, TimeUnit.MILLISECONDS).request());
    n1.close();
    // n2 also hangs this key; we answer by hand to see the retry arrive with the same request.
    InMemoryClientHandler.Hung retried = h2.hung.poll(EVENTUALLY_MS, TimeUnit.MILLISECONDS);
    GetRequest atN2 = assertInstanceOf(GetRequest.class, retried.request());
    assertEquals(atN1.requestId(), atN2.requestId());
    assertArrayEquals(atN1.key(), atN2.key());
    assertEquals(ClientAddress.of(n2.endpoint()), reconnectedTo.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    retried.reply().accept(new GetReply(atN2.requestId(), List.of(b("from n2")), null, 1));
    assertArrayEquals(b("from n2"), pending.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS).values().get(0));
  }

  @Test
  void aLeaveInFlightWhenItsNodeDiesFailsAndIsNeverSentToAnotherNode() throws Exception {
    CompletableFuture<String> leave = client.leave();
    assertInstanceOf(io.ringkv.protocol.ClientMessages.LeaveRequest.class,
        h1.hung.poll(EVENTUALLY_MS, TimeUnit.MILLISECONDS).request());
    n1.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> leave.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    assertEquals(ErrorCode.UNAVAILABLE, assertInstanceOf(RingkvException.class, e.getCause()).code());
    assertEquals(ClientAddress.of(n2.endpoint()), reconnectedTo.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    // the session is on n2 now, but the LEAVE meant for n1 must not decommission n2
    Thread.sleep(500);
    assertEquals(null, h2.hung.poll(), "LEAVE was re-sent to another node");
  }

  @Test
  void aMissedHeartbeatTriggersFailover() throws Exception {
    h1.hangInfo = true; // n1 is up but stops answering INFO within connectTimeoutMs
    assertEquals(ClientAddress.of(n2.endpoint()), reconnectedTo.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    assertEquals(ClientAddress.of(n2.endpoint()), client.currentNode());
  }

  @Test
  void whenEveryNodeIsDownRequestsFailWithNoNodeReachable() throws Exception {
    n1.close();
    assertEquals(ClientAddress.of(n2.endpoint()), reconnectedTo.get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
    n2.close();
    // Until the client notices n2's close a request may still fail as "connection lost"; then every
    // request fails with NoNodeReachableException naming both nodes.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EVENTUALLY_MS);
    RingkvException last = null;
    while (System.nanoTime() < deadline && !(last instanceof NoNodeReachableException)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> client.get(b("k"), RequestOptions.DEFAULTS).get(EVENTUALLY_MS, TimeUnit.MILLISECONDS));
      last = assertInstanceOf(RingkvException.class, e.getCause());
    }
    assertNotNull(last);
    NoNodeReachableException none = assertInstanceOf(NoNodeReachableException.class, last);
    assertTrue(none.getMessage().startsWith("no node reachable (tried "), none.getMessage());
    assertTrue(none.getMessage().contains(n1.endpoint().toString()), none.getMessage());
    assertTrue(none.getMessage().contains(n2.endpoint().toString()), none.getMessage());
  }
}
