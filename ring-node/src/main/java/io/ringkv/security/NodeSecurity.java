package io.ringkv.security;

import io.ringkv.transport.tls.Tls;
import io.ringkv.transport.tls.TlsMode;

/**
 * What a node's server and internode transport check, built from a {@link SecurityConfig} at start.
 *
 * @param tls the TLS contexts, null when {@code --tls off}
 * @param authenticator checks client logins, null when {@code --auth off} (then every client may do anything)
 * @param clusterSecret proves membership between nodes when internode TLS is off, else null
 * @param allowPlaintextAuth accept a password on a connection without TLS
 */
public record NodeSecurity(Tls tls, Authenticator authenticator, ClusterSecret clusterSecret,
    boolean allowPlaintextAuth) {
  public static final NodeSecurity NONE = new NodeSecurity(null, null, null, false);

  public TlsMode tlsMode() {
    return tls == null ? TlsMode.OFF : tls.mode();
  }

  /** Internode connections use mutual TLS. */
  public boolean internodeTls() {
    return tlsMode().coversInternode();
  }
}
