package io.ringkv.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS for a client connection: the CA whose certificates the nodes must present, and optionally this
 * client's own certificate and key (for nodes started with {@code --tls-require-client-cert}). The node's
 * host name or address is checked against its certificate's names unless {@code verifyHostname} is false
 * (certificates from {@code ringkv certs} name 127.0.0.1, localhost and the host given for each node).
 *
 * @param caFile PEM certificate(s) of the cluster CA
 * @param certFile PEM certificate of this client, or null
 * @param keyFile PEM (PKCS#8) key of {@code certFile}, or null
 */
public record ClientTls(Path caFile, Path certFile, Path keyFile, boolean verifyHostname) {
  public ClientTls {
    Objects.requireNonNull(caFile, "caFile");
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
    return new ClientTls(caFile, null, null, true);
  }

  public ClientTls withClientCertificate(Path cert, Path key) {
    return new ClientTls(caFile, cert, key, verifyHostname);
  }

  public ClientTls withoutHostnameVerification() {
    return new ClientTls(caFile, certFile, keyFile, false);
  }

  /** Builds the Netty context (JDK provider); throws {@link IllegalArgumentException} naming the files. */
  SslContext newContext() {
    try {
      SslContextBuilder b = SslContextBuilder.forClient().trustManager(caFile.toFile())
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
