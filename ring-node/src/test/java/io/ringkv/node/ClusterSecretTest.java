package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.Credentials;
import io.ringkv.client.RequestOptions;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Messages;
import io.ringkv.internode.PeerAuthMessages.PeerChallenge;
import io.ringkv.internode.PeerAuthMessages.PeerProof;
import io.ringkv.security.ClusterSecret;
import io.ringkv.security.SecurityConfig;
import io.ringkv.transport.tls.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Internode TLS off, nodes proving membership with a cluster secret ({@code --cluster-secret-file}), auth
 * on over plaintext ({@code --allow-plaintext-auth}): the members form a ring; a process with the wrong
 * secret, none, or a forged proof, even one that logs in fine as a client, is not let in as a node.
 */
class ClusterSecretTest {
  @TempDir
  static Path dir;
  static SecureSetup setup;
  static LoopbackCluster cluster;
  static Path secret;

  static SecurityConfig withSecret(Path secretFile) {
    return new SecurityConfig(TlsConfig.OFF, true, setup.users, true, secretFile);
  }

  @BeforeAll
  static void start() throws Exception {
    setup = new SecureSetup(dir);
    secret = dir.resolve("cluster.secret");
    Files.writeString(secret, "0123456789abcdef0123456789abcdef\n");
    cluster = new LoopbackCluster(dir, 2, 2, 3_600_000, new LoopbackCluster.Security(id -> withSecret(secret),
        c -> c.withCredentials(new Credentials("admin", SecureSetup.PASSWORD))));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void membersWithTheSecretFormTheRingAndReplicate() {
    BlockingRingkvClient c = cluster.client(1).blocking();
    c.set("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8), RequestOptions.DEFAULTS);
    assertEquals(2, c.put("k2".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8), null,
        new RequestOptions(0, 2, 0)).acks(), "both members took the write");
  }

  @Test
  void aNodeWithAnotherSecretOrNoneCannotJoin() throws Exception {
    Path wrong = dir.resolve("wrong.secret");
    Files.writeString(wrong, "not the cluster's secret at all!");
    long before = cluster.nodes.get(0).server().refusedUnauthenticated();
    assertIntruderCannotJoin("n8", withSecret(wrong));
    assertTrue(cluster.nodes.get(0).server().refusedUnauthenticated() > before);
    assertIntruderCannotJoin("n9", new SecurityConfig(TlsConfig.OFF, false, null, false, null));
  }

  private static void assertIntruderCannotJoin(String id, SecurityConfig security) throws Exception {
    NodeConfig c = new NodeConfig(id, "127.0.0.1", LoopbackCluster.freePort(), "127.0.0.1", dir.resolve(id), "test", 2,
        0, 0, KeyFormat.ANY, List.of(cluster.configs.get(0).endpoint()), 64, 10_000, 36, 256, 5000, 100, 2, 10_000, 0,
        false, 3_600_000, 10_000, 600_000, false, 0, security);
    long refusedBefore = cluster.nodes.get(0).server().refusedUnauthenticated();
    ServerNode intruder = ServerNode.start(c, reason -> { });
    try {
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).server().refusedUnauthenticated() >= refusedBefore + 2
          || intruder.transport().peersRefused() >= 2, 30_000, id + " was refused twice");
      for (ServerNode n : cluster.nodes) {
        assertTrue(n.membership().nodes().stream().noneMatch(info -> info.id().equals(id)),
            n.id() + " must not know " + id);
      }
    } finally {
      intruder.close();
    }
  }

  @Test
  void aForgedProofIsRefusedAndNothingElseIsTakenBeforeIt() throws Exception {
    int port = cluster.configs.get(0).endpoint().port();
    try (RawConnection raw = RawConnection.plain(port)) {
      raw.send(new Hello(Messages.PROTOCOL_VERSION, "intruder", "127.0.0.1", 9, "test", "admin",
          SecureSetup.PASSWORD));
      PeerChallenge challenge = assertInstanceOf(PeerChallenge.class, raw.read());
      assertEquals(ClusterSecret.NONCE_BYTES, challenge.nonce().length);
      byte[] forged = ClusterSecret.of("a guess at the secret".getBytes(StandardCharsets.UTF_8))
          .connectorProof(challenge.nonce(), ClusterSecret.nonce(), "intruder", "test");
      raw.send(new PeerProof(ClusterSecret.nonce(), forged));
      ErrorReply refused = assertInstanceOf(ErrorReply.class, raw.read());
      assertEquals(ErrorCode.UNAUTHENTICATED, refused.code());
      assertTrue(refused.message().contains("cluster secret"), refused.message());
      assertTrue(raw.closedByPeer());
    }
    try (RawConnection raw = RawConnection.plain(port)) {
      raw.send(new Hello(Messages.PROTOCOL_VERSION, "intruder", "127.0.0.1", 9, "test"));
      assertInstanceOf(PeerChallenge.class, raw.read());
      raw.send(new io.ringkv.internode.ReplicaMessages.ReplicaRead(5, new byte[] {1}));
      ErrorReply refused = assertInstanceOf(ErrorReply.class, raw.read());
      assertEquals(ErrorCode.UNAUTHENTICATED, refused.code());
      assertTrue(raw.closedByPeer());
    }
  }
}
