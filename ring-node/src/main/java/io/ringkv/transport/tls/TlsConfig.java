package io.ringkv.transport.tls;

import io.ringkv.protocol.TlsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A node's TLS settings ({@code --tls}, {@code --tls-cert}, {@code --tls-key}, {@code --tls-ca},
 * {@code --tls-require-client-cert}). The files are PEM: the node's certificate (chain), its PKCS#8
 * private key, and the cluster CA's certificate(s), which every peer's and (with
 * {@code requireClientCert}) every client's certificate must be signed by.
 *
 * @param requireClientCert every TLS connection, clients included, must present a certificate of the
 *     CA (mutual TLS for clients; node connections always need one)
 * @param provider {@code --tls-provider}: OpenSSL or the JDK for every context of the node (native port
 *     both ways, HTTPS)
 */
public record TlsConfig(TlsMode mode, Path certFile, Path keyFile, Path caFile, boolean requireClientCert,
    TlsProvider provider) {
  public static final TlsConfig OFF = new TlsConfig(TlsMode.OFF, null, null, null, false);

  /** With {@link TlsProvider#AUTO}. */
  public TlsConfig(TlsMode mode, Path certFile, Path keyFile, Path caFile, boolean requireClientCert) {
    this(mode, certFile, keyFile, caFile, requireClientCert, TlsProvider.AUTO);
  }

  public TlsConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(provider, "provider");
    if (mode != TlsMode.OFF) {
      if (certFile == null || keyFile == null || caFile == null) {
        throw new IllegalArgumentException("--tls " + mode.flag() + " needs --tls-cert, --tls-key and --tls-ca"
            + " (PEM files; `ringkv certs DIR --nodes n1,n2,n3` makes a set)");
      }
      for (Path p : new Path[] {certFile, keyFile, caFile}) {
        if (!Files.isReadable(p)) {
          throw new IllegalArgumentException("TLS file " + p + " does not exist or is not readable");
        }
      }
    } else if (requireClientCert) {
      throw new IllegalArgumentException("--tls-require-client-cert needs --tls client or all");
    }
  }

  public TlsConfig withProvider(TlsProvider p) {
    return new TlsConfig(mode, certFile, keyFile, caFile, requireClientCert, p);
  }

  public boolean enabled() {
    return mode != TlsMode.OFF;
  }
}
