package io.ringkv.node;

/**
 * {@link LoopbackClusterTest}'s whole scenario with {@code --tls all --tls-require-client-cert --auth on}
 * on every node (so gossip, replication and streams run over mutual TLS), and the test clients over TLS
 * with a client certificate, logged in as an admin (VERIFY is an admin command).
 */
class LoopbackClusterSecureTest extends LoopbackClusterTest {
  @Override
  LoopbackCluster newCluster() throws Exception {
    return new LoopbackCluster(dir, 3, 2, 3_600_000, new SecureSetup(dir).security("admin"));
  }
}
