package io.ringkv.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.transport.tls.Tls;
import io.ringkv.transport.tls.TlsConfig;
import io.ringkv.transport.tls.TlsMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `ringkv certs`: a CA, node and client certificates that Netty loads and that chain to the CA. */
class CertsTest {
  @TempDir
  Path dir;

  @Test
  void makesACaNodeAndClientCertificatesThatChainAndLoad() throws Exception {
    Certs.create(dir, List.of(Certs.NodeSpec.parse("n1=198.18.0.1"), Certs.NodeSpec.parse("n2=db2.example")),
        "client", 365, 3650);
    X509Certificate ca = Tls.readCertificates(dir.resolve("ca.pem")).get(0);
    X509Certificate n1 = Tls.readCertificates(dir.resolve("n1.pem")).get(0);
    X509Certificate client = Tls.readCertificates(dir.resolve("client.pem")).get(0);
    n1.verify(ca.getPublicKey());
    client.verify(ca.getPublicKey());
    assertTrue(n1.getSubjectX500Principal().getName().contains("OU=" + Tls.NODE_OU));
    assertFalse(client.getSubjectX500Principal().getName().contains("OU=" + Tls.NODE_OU));
    String sans = String.valueOf(n1.getSubjectAlternativeNames());
    assertTrue(sans.contains("127.0.0.1") && sans.contains("localhost") && sans.contains("198.18.0.1"), sans);
    assertTrue(String.valueOf(Tls.readCertificates(dir.resolve("n2.pem")).get(0).getSubjectAlternativeNames())
        .contains("db2.example"));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(dir.resolve("n1.key")));
    Tls tls = Tls.load(new TlsConfig(TlsMode.ALL, dir.resolve("n1.pem"), dir.resolve("n1.key"), dir.resolve("ca.pem"),
        false));
    assertTrue(tls.serverContext().isServer());
  }

  @Test
  void anExistingCaSignsLaterCertificates() throws Exception {
    Certs.create(dir, List.of(new Certs.NodeSpec("n1", null)), null, 365, 3650);
    String caBefore = Files.readString(dir.resolve("ca.pem"));
    Certs.create(dir, List.of(new Certs.NodeSpec("n4", null)), null, 365, 3650);
    assertEquals(caBefore, Files.readString(dir.resolve("ca.pem")));
    Tls.readCertificates(dir.resolve("n4.pem")).get(0)
        .verify(Tls.readCertificates(dir.resolve("ca.pem")).get(0).getPublicKey());
  }
}
