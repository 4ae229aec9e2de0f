package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSsl;
import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.Credentials;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.protocol.TlsProvider;
import io.ringkv.security.SecurityConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --tls all --tls-require-client-cert --auth on} with n1 on {@code --tls-provider openssl} and n2
 * on {@code jdk}, N=2: a write through n1 and a read with R=2 through n2 cross every pairing, client to
 * node and node to node, in both directions (OpenSSL client to JDK server and back), with mutual TLS
 * between the nodes. {@code openssl} refuses to start without its native library, so the round trip
 * really ran on OpenSSL.
 */
class TlsProviderClusterTest {
  @TempDir
  static Path dir;
  static SecureSetup setup;
  static LoopbackCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    setup = new SecureSetup(dir);
    cluster = new LoopbackCluster(dir, 2, 2, 3_600_000, new LoopbackCluster.Security(
        id -> new SecurityConfig(setup.tls(id).withProvider(id.equals("n1") ? TlsProvider.OPENSSL : TlsProvider.JDK),
            true, setup.users, false, null),
        c -> setup.client(c, "admin")));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void openSslLoadsOnLinuxX86_64() {
    // ringkv ships the linux-x86_64 library only; this machine kind (CI's too) is one, so a missing or
    // mismatched netty-tcnative jar fails here instead of silently falling back to the JDK provider
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    org.junit.jupiter.api.Assumptions.assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
        "not linux-x86_64: " + os + " " + arch);
    assertTrue(OpenSsl.isAvailable(), "OpenSSL (netty-tcnative-boringssl-static linux-x86_64) did not load: "
        + OpenSsl.unavailabilityCause());
    assertEquals(io.netty.handler.ssl.SslProvider.OPENSSL, TlsProvider.AUTO.resolve());
  }

  @Test
  void aRoundTripCrossesOpenSslAndJdkBothWays() {
    byte[] key = "provider-key".getBytes(StandardCharsets.UTF_8);
    RequestOptions all = RequestOptions.DEFAULTS.withQuorums(2, 2);
    BlockingRingkvClient viaOpenSsl = client(0, TlsProvider.OPENSSL).blocking();
    viaOpenSsl.set(key, "over openssl".getBytes(StandardCharsets.UTF_8), all);
    BlockingRingkvClient viaJdk = client(1, TlsProvider.JDK).blocking();
    assertEquals("over openssl", new String(viaJdk.get(key, all).values().get(0), StandardCharsets.UTF_8));
    viaJdk.set(key, "over jdk".getBytes(StandardCharsets.UTF_8), all);
    assertTrue(viaOpenSsl.get(key, all).values().stream()
        .anyMatch(v -> new String(v, StandardCharsets.UTF_8).equals("over jdk")), "the JDK side's write, read over OpenSSL");
  }

  private static RingkvClient client(int i, TlsProvider provider) {
    ClientConfig c = ClientConfig.of(ClientAddress.of(cluster.configs.get(i).endpoint()))
        .withTls(setup.clientTls().withProvider(provider))
        .withCredentials(new Credentials("admin", SecureSetup.PASSWORD));
    RingkvClient client = RingkvClient.connect(c);
    cluster.clients.add(client);
    return client;
  }
}
