package io.ringkv.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.ringkv.protocol.TlsProvider;
import io.ringkv.security.Certs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  @TempDir
  Path dir;

  private TlsConfig config() {
    return new TlsConfig(TlsMode.ALL, dir.resolve("n1.pem"), dir.resolve("n1.key"), dir.resolve("ca.pem"), false);
  }

  @Test
  void aRotatedCertificateIsPickedUpAndABrokenOneKeepsTheOld() throws Exception {
    Certs.create(dir, List.of(new Certs.NodeSpec("n1", null)), null, 365, 3650);
    Tls tls = Tls.load(config());
    SslContext first = tls.serverContext();
    assertFalse(tls.reloadIfChanged(), "nothing changed");
    Certs.create(dir, List.of(new Certs.NodeSpec("n1", null)), null, 365, 3650); // re-issued by the same CA
    Files.setLastModifiedTime(dir.resolve("n1.pem"), FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    assertTrue(tls.reloadIfChanged());
    SslContext second = tls.serverContext();
    assertNotSame(first, second);
    Files.writeString(dir.resolve("n1.pem"), "not a certificate");
    Files.setLastModifiedTime(dir.resolve("n1.pem"), FileTime.fromMillis(System.currentTimeMillis() + 20_000));
    assertFalse(tls.reloadIfChanged());
    assertSame(second, tls.serverContext(), "a broken file keeps the contexts that work");
  }

  @Test
  void missingFilesAndBadModesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TlsConfig(TlsMode.ALL, null, null, null, false));
    assertTrue(e.getMessage().contains("--tls-cert"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TlsMode.parse("maybe"));
    assertThrows(IllegalArgumentException.class, () -> new TlsConfig(TlsMode.OFF, null, null, null, true));
  }

  @Test
  void theProviderChoiceBuildsEveryContextWithIt() throws Exception {
    Certs.create(dir, List.of(new Certs.NodeSpec("n1", null)), null, 365, 3650);
    Tls openssl = Tls.load(config().withProvider(TlsProvider.OPENSSL));
    assertEquals(SslProvider.OPENSSL, openssl.provider());
    assertInstanceOf(OpenSslContext.class, openssl.serverContext());
    assertInstanceOf(OpenSslContext.class, openssl.peerClientContext());
    Tls jdk = Tls.load(config().withProvider(TlsProvider.JDK));
    assertEquals(SslProvider.JDK, jdk.provider());
    assertInstanceOf(JdkSslContext.class, jdk.serverContext());
    assertInstanceOf(JdkSslContext.class, jdk.peerClientContext());
    assertEquals(TlsProvider.AUTO, config().provider(), "auto unless asked");
  }

  @Test
  void aBadProviderIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TlsProvider.parse("boringssl", "--tls-provider"));
    assertEquals("--tls-provider must be auto, openssl or jdk, got 'boringssl'", e.getMessage());
    assertEquals(TlsProvider.OPENSSL, TlsProvider.parse(" OpenSSL ", "--tls-provider"));
    assertEquals(TlsProvider.AUTO, TlsProvider.parse(null, "--tls-provider"));
  }
}
