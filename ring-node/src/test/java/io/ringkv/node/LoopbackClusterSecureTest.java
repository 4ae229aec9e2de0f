package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import org.junit.jupiter.api.Test;

/**
 * {@link LoopbackClusterTest}'s whole scenario with {@code --tls all --tls-require-client-cert --auth on}
 * on every node (so gossip, replication and streams run over mutual TLS), and the test clients over TLS
 * with a client certificate, logged in as an admin (VERIFY is an admin command). The inherited tests are
 * the assertions; the one here checks that the scenario really runs secured: a plain client is refused.
 */
class LoopbackClusterSecureTest extends LoopbackClusterTest {
  @Override
  LoopbackCluster newCluster() throws Exception {
    return new LoopbackCluster(dir, 3, 2, 3_600_000, new SecureSetup(dir).security("admin"));
  }

  @Test
  void aClientWithoutTlsOrCredentialsIsRefused() {
    ClientConfig plain = ClientConfig.of(ClientAddress.of(cluster.configs.get(0).endpoint()));
    assertThrows(RingkvException.class, () -> {
      try (RingkvClient c = RingkvClient.connect(plain)) {
        c.blocking().info();
      }
    });
  }
}
