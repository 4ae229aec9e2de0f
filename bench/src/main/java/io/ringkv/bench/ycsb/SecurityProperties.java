package io.ringkv.bench.ycsb;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClientTls;
import io.ringkv.client.Credentials;
import io.ringkv.protocol.TlsProvider;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The binding's TLS and login properties, shared with {@code ClusterReady} (which reads them as system
 * properties): {@code ringkv.tls.ca} (PEM CA: connect with TLS), {@code ringkv.tls.cert} and
 * {@code ringkv.tls.key} (a client certificate), {@code ringkv.tls.provider} ({@code auto}, {@code openssl}
 * or {@code jdk}: {@code TlsProvider}), {@code ringkv.user} and {@code ringkv.password} (for
 * nodes with {@code --auth on}; the password may also come from RINGKV_PASSWORD).
 */
public final class SecurityProperties {
  private SecurityProperties() {}

  /** {@code config} with what the properties ask for; {@code get} looks a property up (null when unset). */
  public static ClientConfig apply(ClientConfig config, UnaryOperator<String> get) {
    String ca = get.apply("ringkv.tls.ca");
    String cert = get.apply("ringkv.tls.cert");
    String key = get.apply("ringkv.tls.key");
    if (ca != null && !ca.isBlank()) {
      ClientTls tls = ClientTls.trusting(Path.of(ca))
          .withProvider(TlsProvider.parse(get.apply(TlsProvider.PROPERTY), TlsProvider.PROPERTY));
      if (cert != null && !cert.isBlank()) {
        tls = tls.withClientCertificate(Path.of(cert), key == null ? null : Path.of(key));
      }
      config = config.withTls(tls);
    } else if (cert != null && !cert.isBlank()) {
      throw new IllegalArgumentException("ringkv.tls.cert needs ringkv.tls.ca");
    }
    String user = get.apply("ringkv.user");
    if (user != null && !user.isBlank()) {
      String password = get.apply("ringkv.password");
      if (password == null) {
        password = System.getenv("RINGKV_PASSWORD");
      }
      if (password == null) {
        throw new IllegalArgumentException("ringkv.user needs ringkv.password (or RINGKV_PASSWORD)");
      }
      config = config.withCredentials(new Credentials(user, password));
    }
    return config;
  }
}
