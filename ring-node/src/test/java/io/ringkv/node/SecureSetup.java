package io.ringkv.node;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClientTls;
import io.ringkv.client.Credentials;
import io.ringkv.security.Certs;
import io.ringkv.security.PasswordHash;
import io.ringkv.security.Role;
import io.ringkv.security.SecurityConfig;
import io.ringkv.security.UsersFile;
import io.ringkv.transport.tls.TlsConfig;
import io.ringkv.transport.tls.TlsMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates (from {@code ringkv certs}' code) and a users file for the secure loopback tests: nodes
 * n1..n9 and a client certificate of one CA in {@code dir/pki}, users {@code admin}, {@code writer}
 * (readwrite) and {@code reader} (read) with password {@code PASSWORD}, hashed with the least
 * iteration count so that tests do not spend seconds per login.
 */
final class SecureSetup {
  static final String PASSWORD = "correct horse battery staple";

  final Path pki;
  final Path users;

  SecureSetup(Path dir) throws Exception {
    this.pki = dir.resolve("pki");
    List<Certs.NodeSpec> nodes = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      nodes.add(new Certs.NodeSpec("n" + i, "127.0.0.1"));
    }
    Certs.create(pki, nodes, "client", 365, 3650);
    this.users = dir.resolve("users.txt");
    for (String[] u : new String[][] {{"admin", "admin"}, {"writer", "readwrite"}, {"reader", "read"}}) {
      UsersFile.put(users, new UsersFile.User(u[0], Role.parse(u[1]),
          PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS)));
    }
  }

  /** A second, unrelated CA with its own node and client certificates. */
  static Path otherCa(Path dir) throws Exception {
    Path other = dir.resolve("other-pki");
    Certs.create(other, List.of(new Certs.NodeSpec("n9", "127.0.0.1")), "client", 365, 3650);
    return other;
  }

  TlsConfig tls(String nodeId) {
    return new TlsConfig(TlsMode.ALL, pki.resolve(nodeId + ".pem"), pki.resolve(nodeId + ".key"), pki.resolve("ca.pem"),
        true);
  }

  /** --tls all --tls-require-client-cert --auth on. */
  SecurityConfig node(String nodeId) {
    return new SecurityConfig(tls(nodeId), true, users, false, null);
  }

  ClientTls clientTls() {
    return ClientTls.trusting(pki.resolve("ca.pem")).withClientCertificate(pki.resolve("client.pem"),
        pki.resolve("client.key"));
  }

  ClientConfig client(ClientConfig c, String user) {
    return c.withTls(clientTls()).withCredentials(new Credentials(user, PASSWORD));
  }

  /** Every node with TLS and auth, every test client over TLS as {@code user}. */
  LoopbackCluster.Security security(String user) {
    return new LoopbackCluster.Security(this::node, c -> client(c, user));
  }
}
