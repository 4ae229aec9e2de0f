package io.ringkv.security;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a cluster's certificates with BouncyCastle's certificate builder (the JDK signs; BouncyCastle only
 * encodes): a CA ({@code ca.pem}, {@code ca.key}), for each node a key and certificate signed by it
 * ({@code NODE.pem}, {@code NODE.key}: CN=node id, OU={@value io.ringkv.transport.tls.Tls#NODE_OU}, usable
 * as TLS server and client, SAN 127.0.0.1, ::1, localhost and the node's host when given), and one client
 * certificate ({@code CLIENT.pem}, {@code CLIENT.key}: OU=ringkv-client, TLS client only). Keys are EC
 * P-256 (fast handshakes), PKCS#8 PEM, mode 600.
 *
 * <p>When {@code DIR} already holds {@code ca.pem} and {@code ca.key}, that CA signs the new certificates
 * (adding a node, or rotating a node's certificate before it expires, without touching the others).
 */
public final class Certs {
  /** The organisational unit of a client certificate. */
  public static final String CLIENT_OU = "ringkv-client";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A node to make a certificate for: its id, and the host its certificate must also name (or null). */
  public record NodeSpec(String id, String host) {
    public NodeSpec {
      if (id == null || !NAME.matcher(id).matches()) {
        throw new IllegalArgumentException("node id must be 1-64 letters, digits, '.', '_' or '-', got '" + id + "'");
      }
    }

    /** {@code n1} or {@code n1=HOST}. */
    public static NodeSpec parse(String s) {
      int eq = s.indexOf('=');
      return eq < 0 ? new NodeSpec(s.trim(), null) : new NodeSpec(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
    }
  }

  private Certs() {}

  /**
   * Writes the files into {@code dir}; returns the paths written. Existing node or client files are
   * replaced (a rotation); the CA is reused when present.
   */
  public static List<Path> create(Path dir, List<NodeSpec> nodes, String client, int days, int caDays)
      throws IOException {
    if (days < 1 || caDays < 1) {
      throw new IllegalArgumentException("--days and --ca-days must be >= 1");
    }
    if (client != null && !NAME.matcher(client).matches()) {
      throw new IllegalArgumentException("client name must be 1-64 letters, digits, '.', '_' or '-', got '" + client
          + "'");
    }
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    try {
      Path caPem = dir.resolve("ca.pem");
      Path caKeyFile = dir.resolve("ca.key");
      X509Certificate ca;
      PrivateKey caKey;
      if (Files.exists(caPem) && Files.exists(caKeyFile)) {
        ca = io.ringkv.transport.tls.Tls.readCertificates(caPem).get(0);
        caKey = readKey(caKeyFile);
      } else {
        KeyPair kp = newKeyPair();
        X500Name name = name("ringkv CA", "ringkv-ca");
        JcaX509v3CertificateBuilder b = builder(name, name, kp, caDays);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        ca = sign(b, kp.getPrivate());
        caKey = kp.getPrivate();
        writePem(caPem, ca, false);
        writePem(caKeyFile, new JcaPKCS8Generator(caKey, null), true);
        written.add(caPem);
        written.add(caKeyFile);
      }
      for (NodeSpec node : nodes) {
        List<GeneralName> san = new ArrayList<>(List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.iPAddress, "::1"), new GeneralName(GeneralName.dNSName, "localhost")));
        if (node.host() != null && !node.host().isEmpty()) {
          san.add(isIpLiteral(node.host()) ? new GeneralName(GeneralName.iPAddress, node.host())
              : new GeneralName(GeneralName.dNSName, node.host()));
        }
        written.addAll(leaf(dir, node.id(), io.ringkv.transport.tls.Tls.NODE_OU, ca, caKey, days, san,
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      }
      if (client != null) {
        written.addAll(leaf(dir, client, CLIENT_OU, ca, caKey, days, List.of(),
            new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}));
      }
      return written;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot make certificates: " + e.getMessage(), e);
    }
  }

  private static List<Path> leaf(Path dir, String cn, String ou, X509Certificate ca, PrivateKey caKey, int days,
      List<GeneralName> san, KeyPurposeId[] usages) throws IOException, GeneralSecurityException,
      OperatorCreationException {
    KeyPair kp = newKeyPair();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), notBefore(),
        Date.from(Instant.now().plus(Duration.ofDays(days))), name(cn, ou), kp.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
    b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
    if (!san.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san.toArray(new GeneralName[0])));
    }
    X509Certificate cert = sign(b, caKey);
    Path pem = dir.resolve(cn + ".pem");
    Path key = dir.resolve(cn + ".key");
    writePem(pem, cert, false);
    writePem(key, new JcaPKCS8Generator(kp.getPrivate(), null), true);
    return List.of(pem, key);
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp, int days) {
    return new JcaX509v3CertificateBuilder(issuer, serial(), notBefore(),
        Date.from(Instant.now().plus(Duration.ofDays(days))), subject, kp.getPublic());
  }

  /** An hour back, so a peer whose clock is a little behind does not see a certificate from the future. */
  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X500Name name(String cn, String ou) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "ringkv").addRDN(BCStyle.OU, ou)
        .addRDN(BCStyle.CN, cn).build();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(key)));
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return kpg.generateKeyPair();
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (!(o instanceof PrivateKeyInfo info)) {
        throw new IOException(file + " is not an unencrypted PKCS#8 private key");
      }
      return new JcaPEMKeyConverter().getPrivateKey(info);
    }
  }

  private static void writePem(Path file, Object object, boolean secret) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(object);
    }
    Files.deleteIfExists(file);
    Files.createFile(file);
    if (secret) {
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not POSIX
      }
    }
    Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
  }

  private static boolean isIpLiteral(String host) {
    if (host.contains(":")) {
      return true;
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(host);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
