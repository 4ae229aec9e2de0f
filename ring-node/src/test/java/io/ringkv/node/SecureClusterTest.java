package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClientTls;
import io.ringkv.client.Credentials;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.security.SecurityConfig;
import io.ringkv.transport.tls.TlsConfig;
import io.ringkv.transport.tls.TlsMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes with {@code --tls all --tls-require-client-cert --auth on}, attacked from outside:
 * plaintext, another CA, no certificate, a client certificate posing as a node, wrong credentials, and
 * users whose role is too small. Every refusal must leave the node serving.
 */
class SecureClusterTest {
  @TempDir
  static Path dir;
  static SecureSetup setup;
  static LoopbackCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    setup = new SecureSetup(dir);
    cluster = new LoopbackCluster(dir, 3, 2, 3_600_000, setup.security("admin"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ClientConfig at(int i) {
    return ClientConfig.of(ClientAddress.of(cluster.configs.get(i).endpoint()));
  }

  private static RingkvClient connect(ClientConfig config) {
    RingkvClient c = RingkvClient.connect(config);
    cluster.clients.add(c);
    return c;
  }

  private static void assertStillServing(int i) {
    BlockingRingkvClient admin = connect(setup.client(at(i), "admin")).blocking();
    admin.set(b("still-serving-" + i), b("yes"), RequestOptions.DEFAULTS);
    assertEquals("yes", new String(admin.get(b("still-serving-" + i), RequestOptions.DEFAULTS).values().get(0),
        StandardCharsets.UTF_8));
  }

  @Test
  void aPlaintextClientIsRefusedWithAReasonAndTheNodeKeepsServing() {
    long refusedBefore = cluster.nodes.get(0).server().refusedUnauthenticated();
    RingkvException e = assertThrows(RingkvException.class,
        () -> RingkvClient.connect(at(0).withCredentials(new Credentials("admin", SecureSetup.PASSWORD))));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("accepts clients over TLS only"), e.getMessage());
    assertTrue(cluster.nodes.get(0).server().refusedUnauthenticated() > refusedBefore);
    assertStillServing(0);
  }

  @Test
  void aClientCertificateOfAnotherCaOrNoneIsRefused() throws Exception {
    Path other = SecureSetup.otherCa(dir);
    ClientTls foreign = ClientTls.trusting(setup.pki.resolve("ca.pem"))
        .withClientCertificate(other.resolve("client.pem"), other.resolve("client.key"));
    RingkvException e = assertThrows(RingkvException.class, () -> RingkvClient.connect(
        at(1).withTls(foreign).withCredentials(new Credentials("admin", SecureSetup.PASSWORD))));
    assertFalse(e.getMessage().contains("no node reachable (tried") && !e.getMessage().contains("TLS"), e.getMessage());
    // no certificate at all, where the node requires one
    assertThrows(RingkvException.class, () -> RingkvClient.connect(at(1).withTls(
        ClientTls.trusting(setup.pki.resolve("ca.pem"))).withCredentials(new Credentials("admin", SecureSetup.PASSWORD))));
    // and a client that trusts another CA does not accept the node
    RingkvException distrust = assertThrows(RingkvException.class, () -> RingkvClient.connect(at(1).withTls(
        ClientTls.trusting(other.resolve("ca.pem")).withClientCertificate(setup.pki.resolve("client.pem"),
            setup.pki.resolve("client.key"))).withCredentials(new Credentials("admin", SecureSetup.PASSWORD))));
    assertTrue(distrust.getMessage().contains("TLS"), distrust.getMessage());
    assertStillServing(1);
  }

  @Test
  void aNodeWithACertificateOfAnotherCaCannotJoin() throws Exception {
    Path other = SecureSetup.otherCa(dir);
    SecurityConfig foreign = new SecurityConfig(new TlsConfig(TlsMode.ALL, other.resolve("n9.pem"),
        other.resolve("n9.key"), other.resolve("ca.pem"), true), true, setup.users, false, null);
    assertIntruderCannotJoin("n9", foreign);
  }

  @Test
  void aProcessWithAValidClientCertificateCannotJoinAsANode() throws Exception {
    // the cluster CA signed it, but for a client: a member needs a node certificate (OU=ringkv-node)
    SecurityConfig clientCertAsNode = new SecurityConfig(new TlsConfig(TlsMode.ALL, setup.pki.resolve("client.pem"),
        setup.pki.resolve("client.key"), setup.pki.resolve("ca.pem"), true), true, setup.users, false, null);
    long refusedBefore = cluster.nodes.get(0).server().refusedUnauthenticated();
    assertIntruderCannotJoin("n8", clientCertAsNode);
    assertTrue(cluster.nodes.get(0).server().refusedUnauthenticated() > refusedBefore,
        "n1 refused the intruder's Hello as a node");
  }

  /** Starts {@code id} joining n1 and checks that, after it tried for a while, no member knows it. */
  private static void assertIntruderCannotJoin(String id, SecurityConfig security) throws Exception {
    int port = LoopbackCluster.freePort();
    NodeConfig c = new NodeConfig(id, "127.0.0.1", port, "127.0.0.1", dir.resolve(id), "test", 2, 0, 0,
        KeyFormat.ANY, List.of(cluster.configs.get(0).endpoint()), 64, 10_000, 36, 256, 5000, 100, 2, 10_000, 0,
        false, 3_600_000, 10_000, 600_000, false, 0, security);
    ServerNode intruder = ServerNode.start(c, reason -> { });
    try {
      LoopbackCluster.awaitCondition(() -> intruder.transport().stats().connectFailures() >= 3
          || intruder.transport().peersRefused() >= 3, 30_000, id + " tried to reach n1 three times");
      for (ServerNode n : cluster.nodes) {
        assertTrue(n.membership().nodes().stream().noneMatch(info -> info.id().equals(id)),
            n.id() + " must not know " + id + ": " + n.membership().nodes());
      }
      assertEquals(List.of(id), intruder.membership().nodes().stream().map(info -> info.id()).toList(),
          "the intruder learned no member");
    } finally {
      intruder.close();
    }
    assertStillServing(0);
  }

  @Test
  void aClientCertificateAndValidCredentialsDoNotOpenTheInternodeProtocol() throws Exception {
    int port = cluster.configs.get(2).endpoint().port();
    Path pki = setup.pki;
    try (RawConnection raw = RawConnection.tls(port, pki.resolve("ca.pem"), pki.resolve("client.pem"),
        pki.resolve("client.key"))) {
      raw.send(new Hello(Messages.PROTOCOL_VERSION, "intruder", "127.0.0.1", 9, "test", "admin",
          SecureSetup.PASSWORD));
      ErrorReply refused = assertInstanceOf(ErrorReply.class, raw.read());
      assertEquals(ErrorCode.UNAUTHENTICATED, refused.code());
      assertTrue(refused.message().contains("node certificate"), refused.message());
      assertTrue(raw.closedByPeer());
    }
    // logged in as a client, an internode message is refused and goes nowhere
    try (RawConnection raw = RawConnection.tls(port, pki.resolve("ca.pem"), pki.resolve("client.pem"),
        pki.resolve("client.key"))) {
      raw.send(new Hello(Messages.PROTOCOL_VERSION, null, null, 0, null, "admin", SecureSetup.PASSWORD));
      assertInstanceOf(HelloOk.class, raw.read());
      raw.send(new ReplicaRead(7, b("k")));
      ErrorReply refused = assertInstanceOf(ErrorReply.class, raw.read());
      assertEquals(ErrorCode.PROTOCOL, refused.code());
      assertTrue(refused.message().contains("not a client request"), refused.message());
    }
    // before a login nothing but Hello is taken
    try (RawConnection raw = RawConnection.tls(port, pki.resolve("ca.pem"), pki.resolve("client.pem"),
        pki.resolve("client.key"))) {
      raw.send(new io.ringkv.protocol.ClientMessages.GetRequest(3, b("k"), 0, 0));
      Message m = raw.read();
      assertInstanceOf(ErrorReply.class, m);
      assertTrue(raw.closedByPeer());
    }
    assertStillServing(2);
  }

  @Test
  void aReadUserCannotWrite() {
    BlockingRingkvClient admin = connect(setup.client(at(0), "admin")).blocking();
    admin.set(b("readable"), b("v"), RequestOptions.DEFAULTS);
    BlockingRingkvClient reader = connect(setup.client(at(1), "reader")).blocking();
    assertEquals(List.of("v"), reader.get(b("readable"), RequestOptions.DEFAULTS).values().stream()
        .map(v -> new String(v, StandardCharsets.UTF_8)).toList());
    long deniedBefore = cluster.nodes.get(1).server().refusedPermission();
    RingkvException e = assertThrows(RingkvException.class, () -> reader.set(b("readable"), b("w"),
        RequestOptions.DEFAULTS));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertEquals("permission denied (readwrite role required)", e.getMessage());
    assertThrows(RingkvException.class, () -> reader.remove(b("readable"), RequestOptions.DEFAULTS));
    assertEquals(deniedBefore + 2, cluster.nodes.get(1).server().refusedPermission());
    assertEquals(List.of("v"), admin.get(b("readable"), RequestOptions.DEFAULTS).values().stream()
        .map(v -> new String(v, StandardCharsets.UTF_8)).toList(), "nothing was written");
  }

  @Test
  void aReadwriteUserCannotRemoveLeaveOrVerify() {
    BlockingRingkvClient writer = connect(setup.client(at(2), "writer")).blocking();
    writer.set(b("written"), b("v"), RequestOptions.DEFAULTS);
    for (Runnable admin : List.<Runnable>of(() -> writer.removeNode("n1"), () -> writer.leave("n3"), writer::verify)) {
      RingkvException e = assertThrows(RingkvException.class, admin::run);
      assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
      assertEquals("permission denied (admin role required)", e.getMessage());
    }
    assertEquals(3, cluster.nodes.get(2).membership().ring().nodeCount(), "no node was removed or left");
  }

  @Test
  void wrongPasswordsUnknownUsersAndMissingCredentialsAreRefused() throws Exception {
    for (Credentials bad : List.of(new Credentials("admin", "not it"), new Credentials("mallory", "guess"))) {
      RingkvException e = assertThrows(RingkvException.class,
          () -> RingkvClient.connect(at(0).withTls(setup.clientTls()).withCredentials(bad)));
      assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
    }
    RingkvException none = assertThrows(RingkvException.class,
        () -> RingkvClient.connect(at(0).withTls(setup.clientTls())));
    assertEquals(ErrorCode.UNAUTHENTICATED, none.code());
    assertTrue(none.getMessage().contains("authentication required"), none.getMessage());
    assertTrue(cluster.nodes.get(0).metrics().counter("ringkv.auth.failures").getCount() >= 1);
    // the failures slowed this address down (the same for the admin's next login from it): wait it out
    assertTrue(cluster.nodes.get(0).authenticator().throttle().failures("127.0.0.1") >= 1);
    LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).authenticator().throttle().waitMs("127.0.0.1") == 0,
        60_000, "the login backoff ran out");
    assertStillServing(0);
  }
}
