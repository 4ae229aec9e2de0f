package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.security.SecurityConfig;
import io.ringkv.transport.tls.TlsConfig;
import io.ringkv.transport.tls.TlsMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP listener under {@code --tls} and {@code --auth on}, on a real node and the JDK's HttpClient:
 * HTTPS only with the node's certificate, Basic auth, the native protocol's roles (403 with the same
 * line the REPL prints), open health probes, and no password over plain HTTP.
 */
class SecureHttpTest {
  @TempDir
  Path dir;
  private LoopbackCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** A client key manager with no certificate that counts the servers' certificate requests. */
  private static final class CountingKeyManager extends X509ExtendedKeyManager {
    final AtomicInteger asked = new AtomicInteger();

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      asked.incrementAndGet();
      return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      asked.incrementAndGet();
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return null;
    }
  }

  private static HttpClient trusting(Path caPem) throws Exception {
    return trusting(caPem, new CountingKeyManager());
  }

  private static HttpClient trusting(Path caPem, CountingKeyManager keys) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(new javax.net.ssl.KeyManager[] {keys}, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpsOnlyWithBasicAuthAndTheNativeRoles() throws Exception {
    SecureSetup setup = new SecureSetup(dir);
    // TLS for clients and nodes, no client certificate required (a browser has none), auth on
    cluster = new LoopbackCluster(dir, 1, 1, 3_600_000, true, new LoopbackCluster.Security(
        id -> new SecurityConfig(new TlsConfig(TlsMode.ALL, setup.pki.resolve(id + ".pem"),
            setup.pki.resolve(id + ".key"), setup.pki.resolve("ca.pem"), false), true, setup.users, false, null),
        c -> setup.client(c, "admin")));
    int port = cluster.configs.get(0).httpPort();
    String base = "https://127.0.0.1:" + port;
    CountingKeyManager keys = new CountingKeyManager();
    HttpClient https = trusting(setup.pki.resolve("ca.pem"), keys);

    // plain HTTP on the HTTPS port gets no answer: the handshake fails and the node closes it
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    assertThrows(IOException.class, () -> send(plain, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/kv/k")).header("Authorization", basic("admin", SecureSetup.PASSWORD))));

    // the probes stay open
    assertEquals(200, send(https, HttpRequest.newBuilder(URI.create(base + "/health/live"))).statusCode());
    // and the handshake asked for no client certificate (a browser would prompt for one)
    assertEquals(0, keys.asked.get(), "the HTTPS listener sent a certificate request");

    // no credentials, or a wrong password: 401 with the Basic challenge
    HttpResponse<String> anonymous = send(https, HttpRequest.newBuilder(URI.create(base + "/kv/k")));
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "), anonymous.headers()
        .toString());
    assertTrue(anonymous.body().contains("\"UNAUTHENTICATED\""), anonymous.body());
    assertEquals(401, send(https, HttpRequest.newBuilder(URI.create(base + "/metrics"))).statusCode());

    // a reader may not write; the refusal is the native protocol's line
    HttpResponse<String> denied = send(https, HttpRequest.newBuilder(URI.create(base + "/kv/k"))
        .header("Authorization", basic("reader", SecureSetup.PASSWORD)).PUT(HttpRequest.BodyPublishers.ofString("v")));
    assertEquals(403, denied.statusCode(), denied.body());
    assertTrue(denied.body().contains("permission denied (readwrite role required)"), denied.body());

    // a writer may; a reader then reads it, and sees the metrics and the dashboard
    HttpResponse<String> put = send(https, HttpRequest.newBuilder(URI.create(base + "/kv/k"))
        .header("Authorization", basic("writer", SecureSetup.PASSWORD)).PUT(HttpRequest.BodyPublishers.ofString("v")));
    assertEquals(201, put.statusCode(), put.body());
    HttpResponse<String> get = send(https, HttpRequest.newBuilder(URI.create(base + "/kv/k"))
        .header("Authorization", basic("reader", SecureSetup.PASSWORD)));
    assertEquals(200, get.statusCode(), get.body());
    assertEquals("v", get.body());
    assertEquals(200, send(https, HttpRequest.newBuilder(URI.create(base + "/metrics"))
        .header("Authorization", basic("reader", SecureSetup.PASSWORD))).statusCode());
    assertEquals(200, send(https, HttpRequest.newBuilder(URI.create(base + "/"))
        .header("Authorization", basic("reader", SecureSetup.PASSWORD))).statusCode());

    // last, since a failed login slows this source down (the login throttle)
    HttpResponse<String> wrong = send(https, HttpRequest.newBuilder(URI.create(base + "/kv/k"))
        .header("Authorization", basic("reader", "not the password")));
    assertEquals(401, wrong.statusCode(), wrong.body());
    assertTrue(wrong.body().contains("\"UNAUTHENTICATED\""), wrong.body());
  }

  @Test
  void withAuthButNoTlsAPasswordOverPlainHttpIsRefused() throws Exception {
    SecureSetup setup = new SecureSetup(dir);
    Path secret = Files.writeString(dir.resolve("cluster.secret"), java.util.UUID.randomUUID() + "-"
        + java.util.UUID.randomUUID());
    cluster = new LoopbackCluster(dir, 1, 1, 3_600_000, true, new LoopbackCluster.Security(
        id -> new SecurityConfig(TlsConfig.OFF, true, setup.users, false, secret), c -> c));
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> r = send(plain, HttpRequest.newBuilder(URI.create(cluster.httpUri(0) + "/kv/k"))
        .header("Authorization", basic("admin", SecureSetup.PASSWORD)));
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("over TLS only"), r.body());
    assertEquals(200, send(plain, HttpRequest.newBuilder(URI.create(cluster.httpUri(0) + "/health/ready")))
        .statusCode());
  }
}
