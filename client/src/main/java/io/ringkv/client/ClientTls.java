package io.ringkv.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.ringkv.protocol.TlsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for a client connection: the CA whose certificates the nodes must present, and optionally this
 * client's own certificate and key (for nodes started with {@code --tls-require-client-cert}). The node's
 * host name or address is checked against its certificate's names unless {@code verifyHostname} is false
 * (certificates from {@code ringkv certs} name 127.0.0.1, localhost and the host given for each node).
 *
 * @param caFile PEM certificate(s) of the cluster CA
 * @param certFile PEM certificate of this client, or null
 * @param keyFile PEM (PKCS#8) key of {@code certFile}, or null
 * @param provider OpenSSL or the JDK ({@link TlsProvider}); {@link #trusting} takes the system property
 *     {@value TlsProvider#PROPERTY}, else {@link TlsProvider#AUTO}
 */
public record ClientTls(Path caFile, Path certFile, Path keyFile, boolean verifyHostname, TlsProvider provider) {
  private static final Logger log = LoggerFactory.getLogger(ClientTls.class);
  /** The provider is logged once per process, at the first context built. */
  private static final AtomicBoolean providerLogged = new AtomicBoolean();

  /** With the provider of the system property {@value TlsProvider#PROPERTY} ({@code auto} when unset). */
  public ClientTls(Path caFile, Path certFile, Path keyFile, boolean verifyHostname) {
    this(caFile, certFile, keyFile, verifyHostname, TlsProvider.fromSystemProperty());
  }

  public ClientTls {
    Objects.requireNonNull(caFile, "caFile");
    Objects.requireNonNull(provider, "provider");
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a client certificate needs both --tls-cert and --tls-key");
    }
    for (Path p : new Path[] {caFile, certFile, keyFile}) {
      if (p != null && !Files.isReadable(p)) {
        throw new IllegalArgumentException("TLS file " + p + " does not exist or is not readable");
      }
    }
  }

  /** Trust {@code caFile}, no client certificate, host names checked. */
  public static ClientTls trusting(Path caFile) {
    return new ClientTls(caFile, null, null, true, TlsProvider.fromSystemProperty());
  }

  public ClientTls withClientCertificate(Path cert, Path key) {
    return new ClientTls(caFile, cert, key, verifyHostname, provider);
  }

  public ClientTls withoutHostnameVerification() {
    return new ClientTls(caFile, certFile, keyFile, false, provider);
  }

  public ClientTls withProvider(TlsProvider p) {
    return new ClientTls(caFile, certFile, keyFile, verifyHostname, p);
  }

  /**
   * Builds the Netty context with {@link #provider()}; throws {@link IllegalArgumentException} naming
   * the files, or saying why OpenSSL cannot be had when it was asked for.
   */
  SslContext newContext() {
    io.netty.handler.ssl.SslProvider p = provider.resolve();
    if (providerLogged.compareAndSet(false, true)) {
      log.info("client TLS provider {}", provider.describe("provider"));
    }
    try {
      SslContextBuilder b = SslContextBuilder.forClient().sslProvider(p).trustManager(caFile.toFile())
          .protocols("TLSv1.3", "TLSv1.2")
          .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
      if (certFile != null) {
        b.keyManager(certFile.toFile(), keyFile.toFile());
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the TLS files (CA " + caFile
          + (certFile == null ? "" : ", certificate " + certFile + ", key " + keyFile) + "): " + e.getMessage(), e);
    }
  }
}
