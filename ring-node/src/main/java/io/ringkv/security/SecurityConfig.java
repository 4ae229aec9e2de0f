package io.ringkv.security;

import io.ringkv.transport.tls.TlsConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A node's security flags.
 *
 * @param tls {@code --tls*}
 * @param auth {@code --auth on}: clients must log in with a user of {@code usersFile}
 * @param usersFile {@code --users-file}, written by {@code ringkv users add}; the same file on every node
 * @param allowPlaintextAuth {@code --allow-plaintext-auth}: accept passwords over connections without TLS
 * @param clusterSecretFile {@code --cluster-secret-file}: nodes prove membership with it when internode
 *     TLS is off
 */
public record SecurityConfig(TlsConfig tls, boolean auth, Path usersFile, boolean allowPlaintextAuth,
    Path clusterSecretFile) {
  public static final SecurityConfig OFF = new SecurityConfig(TlsConfig.OFF, false, null, false, null);

  public SecurityConfig {
    Objects.requireNonNull(tls, "tls");
    if (auth && usersFile == null) {
      throw new IllegalArgumentException("--auth on needs --users-file (made by `ringkv users add NAME --role R"
          + " --users-file FILE`)");
    }
    if (auth && !tls.mode().coversInternode() && clusterSecretFile == null) {
      // Cassandra's docs warn that client authentication alone leaves the internode port open
      throw new IllegalArgumentException("--auth on needs the nodes to authenticate each other too: --tls internode"
          + " or all (mutual TLS), or --cluster-secret-file; else any process could join and read every key");
    }
  }

  public SecurityConfig withTls(TlsConfig t) {
    return new SecurityConfig(t, auth, usersFile, allowPlaintextAuth, clusterSecretFile);
  }
}
