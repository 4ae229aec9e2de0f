package io.ringkv.transport.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.ringkv.protocol.TlsProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a node builds its TLS contexts (Netty's {@link SslContextBuilder}, with OpenSSL or the
 * JDK as {@link TlsConfig#provider()} resolves: {@link TlsProvider}), from the PEM files of a
 * {@link TlsConfig}:
 *
 * <ul>
 *   <li>{@link #serverContext()}: what the native port presents; it trusts the
 *       cluster CA and asks every TLS peer for a certificate (required with
 *       {@code --tls-require-client-cert}, else optional for clients; a node connection without one is
 *       refused by the server after the handshake, see {@link #isNodeCertificate}).
 *   <li>{@link #httpContext()}: what the HTTPS listener presents: the same certificate, no certificate
 *       request (browsers have none; HTTP authenticates with Basic auth).
 *   <li>{@link #peerClientContext()}: the outbound side of internode connections: it presents this
 *       node's certificate and accepts only a server certificate of the cluster CA. No host-name check
 *       (as Cassandra's default {@code require_endpoint_verification: false}): membership is proven by
 *       the CA's signature on a node certificate, whatever address gossip says.
 * </ul>
 *
 * <p>A certificate is a node's when its subject has {@code OU=}{@link #NODE_OU}: the cluster CA also
 * signs client certificates, and a client certificate must not make its holder a member.
 *
 * <p>Expiry: {@link #load} refuses an expired certificate and logs a WARN line for every certificate that
 * expires within {@link #EXPIRY_WARNING_DAYS} days; {@link #reloadIfChanged()} re-reads the files
 * (rotation without a restart) and checks again. New connections use the new contexts; open ones keep
 * theirs.
 *
 * <p>For an HTTPS listener: {@code Tls tls = Tls.load(config);} then in its channel initializer
 * {@code ch.pipeline().addFirst("tls", tls.serverContext().newHandler(ch.alloc()));}.
 */
public final class Tls {
  private static final Logger log = LoggerFactory.getLogger(Tls.class);

  /** Certificates that expire within this many days are logged at WARN on load (default 30, as most CAs remind). */
  public static final long EXPIRY_WARNING_DAYS = 30;

  /** The organisational unit of a node certificate. */
  public static final String NODE_OU = "ringkv-node";

  /** TLS versions offered: 1.3, and 1.2 for older clients (no 1.0/1.1: both are deprecated, RFC 8996). */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final TlsConfig config;
  private final SslProvider provider;
  private volatile Contexts contexts;

  private record Contexts(SslContext server, SslContext http, SslContext peerClient, List<FileTime> stamps) {}

  private Tls(TlsConfig config, SslProvider provider, Contexts contexts) {
    this.config = config;
    this.provider = provider;
    this.contexts = contexts;
  }

  /**
   * Reads and checks the files; throws {@link IllegalArgumentException} naming the file and problem, or
   * saying why {@code --tls-provider openssl} cannot be had here.
   */
  public static Tls load(TlsConfig config) {
    Objects.requireNonNull(config, "config");
    if (!config.enabled()) {
      throw new IllegalArgumentException("TLS is off");
    }
    SslProvider provider = config.provider().resolve();
    return new Tls(config, provider, build(config, provider, Instant.now()));
  }

  /** The provider every context of this node uses (resolved once, at {@link #load}). */
  public SslProvider provider() {
    return provider;
  }

  public TlsConfig config() {
    return config;
  }

  public TlsMode mode() {
    return config.mode();
  }

  /** The server side's context: this node's certificate; trusts the cluster CA. */
  public SslContext serverContext() {
    return contexts.server();
  }

  /**
   * The HTTPS listener's context: this node's certificate, and no certificate request, since a browser
   * has none to give (and would prompt for one when asked); HTTP's users authenticate with Basic auth.
   */
  public SslContext httpContext() {
    return contexts.http();
  }

  /** The outbound internode context: presents this node's certificate; trusts the cluster CA. */
  public SslContext peerClientContext() {
    return contexts.peerClient();
  }

  /**
   * The native port's first handler: TLS when the connection starts with a TLS record, else the
   * connection stays plaintext and the server decides from its Hello (and {@link #mode()}) whether
   * plaintext is allowed, so that a plaintext client gets a readable refusal instead of a reset.
   * Failed handshakes (another CA, no certificate when one is required) are logged at WARN.
   */
  public ChannelHandler newServerHandler() {
    SslContext server = contexts.server();
    return new OptionalSslHandler(server) {
      @Override
      protected SslHandler newSslHandler(ChannelHandlerContext ctx, SslContext context) {
        SslHandler handler = super.newSslHandler(ctx, context);
        handler.handshakeFuture().addListener(f -> {
          if (!f.isSuccess()) {
            log.warn("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), rootMessage(f.cause()));
          }
        });
        return handler;
      }
    };
  }

  /** The outbound internode connection's TLS handler. */
  public SslHandler newPeerHandler(ByteBufAllocator alloc, String host, int port) {
    return contexts.peerClient().newHandler(alloc, host, port);
  }

  /**
   * Re-reads the files when any of them changed since the last load; returns true when the contexts
   * were replaced. A file that no longer parses keeps the old contexts and logs the reason.
   */
  public boolean reloadIfChanged() {
    List<FileTime> now;
    try {
      now = stamps(config);
    } catch (IOException e) {
      log.warn("cannot check the TLS files for changes: {}", e.toString());
      return false;
    }
    if (now.equals(contexts.stamps())) {
      return false;
    }
    try {
      contexts = build(config, provider, Instant.now());
      log.info("TLS certificate files changed: reloaded {} (new connections use it)", config.certFile());
      return true;
    } catch (IllegalArgumentException e) {
      log.error("TLS certificate files changed but cannot be used; keeping the previous ones: {}", e.getMessage());
      return false;
    }
  }

  /** True when the session's peer presented a certificate (verified against the CA) of a node. */
  public static boolean isNodeCertificate(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x && hasNodeOu(x);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** The subject's common name of the session's peer certificate, or null when it presented none. */
  public static String peerCommonName(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
        return null;
      }
      for (Rdn rdn : new LdapName(x.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
      return null;
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return null;
    }
  }

  static boolean hasNodeOu(X509Certificate cert) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("OU") && NODE_OU.equals(String.valueOf(rdn.getValue()))) {
          return true;
        }
      }
    } catch (InvalidNameException e) {
      return false;
    }
    return false;
  }

  private static Contexts build(TlsConfig config, SslProvider provider, Instant now) {
    List<FileTime> stamps;
    try {
      stamps = stamps(config);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage(), e);
    }
    checkExpiry(config.certFile(), now);
    checkExpiry(config.caFile(), now);
    try {
      SslContext server = SslContextBuilder.forServer(config.certFile().toFile(), config.keyFile().toFile())
          .sslProvider(provider)
          .trustManager(config.caFile().toFile())
          .clientAuth(config.requireClientCert() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
          .protocols(PROTOCOLS)
          .build();
      SslContext http = SslContextBuilder.forServer(config.certFile().toFile(), config.keyFile().toFile())
          .sslProvider(provider)
          .clientAuth(ClientAuth.NONE)
          .protocols(PROTOCOLS)
          .build();
      SslContext peerClient = SslContextBuilder.forClient()
          .sslProvider(provider)
          .keyManager(config.certFile().toFile(), config.keyFile().toFile())
          .trustManager(config.caFile().toFile())
          .endpointIdentificationAlgorithm(null)
          .protocols(PROTOCOLS)
          .build();
      return new Contexts(server, http, peerClient, stamps);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the TLS files (--tls-cert " + config.certFile() + ", --tls-key "
          + config.keyFile() + ", --tls-ca " + config.caFile() + "): " + rootMessage(e), e);
    }
  }

  private static List<FileTime> stamps(TlsConfig config) throws IOException {
    List<FileTime> out = new ArrayList<>();
    for (Path p : List.of(config.certFile(), config.keyFile(), config.caFile())) {
      out.add(Files.getLastModifiedTime(p));
    }
    return out;
  }

  /** Throws for an expired or not yet valid certificate; WARNs for one expiring within 30 days. */
  static List<X509Certificate> checkExpiry(Path pem, Instant now) {
    List<X509Certificate> certs = readCertificates(pem);
    for (X509Certificate c : certs) {
      Instant notAfter = c.getNotAfter().toInstant();
      String who = c.getSubjectX500Principal().getName() + " in " + pem;
      if (now.isAfter(notAfter)) {
        throw new IllegalArgumentException("certificate " + who + " expired on " + notAfter);
      }
      if (now.isBefore(c.getNotBefore().toInstant())) {
        throw new IllegalArgumentException("certificate " + who + " is not valid before " + c.getNotBefore().toInstant());
      }
      long days = Duration.between(now, notAfter).toDays();
      if (days < EXPIRY_WARNING_DAYS) {
        log.warn("certificate {} expires in {} days ({}): rotate it (docs/security.md)", who, days, notAfter);
      }
    }
    return certs;
  }

  /** The X.509 certificates of a PEM file; throws {@link IllegalArgumentException} when it holds none. */
  public static List<X509Certificate> readCertificates(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(pem + " holds no certificate");
      }
      return out;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read certificates from " + pem + ": " + e.getMessage(), e);
    }
  }

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + c.getMessage() + ")";
  }
}
