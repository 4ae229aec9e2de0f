package io.ringkv.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's shared secret ({@code --cluster-secret-file}), with which nodes prove membership to
 * each other when internode TLS is off: a challenge-response of HMAC-SHA256 over both sides' random
 * nonces, each side's node id and the cluster name, so a recorded handshake cannot be replayed and
 * neither side learns anything that lets it pose as a member. It authenticates the connection's start
 * only: without TLS the traffic itself is neither encrypted nor protected against a man in the middle.
 */
public final class ClusterSecret {
  /** A secret shorter than this is refused (default 16 bytes: 128 bits, as a generated one is 32). */
  public static final int SECRET_BYTES_MIN = 16;
  /** Nonce size of the handshake (32 bytes). */
  public static final int NONCE_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] secret;

  private ClusterSecret(byte[] secret) {
    this.secret = secret;
  }

  /** The file's content, surrounding white space removed; at least {@link #SECRET_BYTES_MIN} bytes. */
  public static ClusterSecret load(Path file) throws IOException {
    if (Files.size(file) > 64 * 1024) {
      throw new IOException("cluster secret file " + file + " is over 64 KiB");
    }
    byte[] bytes = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    if (bytes.length < SECRET_BYTES_MIN) {
      throw new IOException("cluster secret in " + file + " has " + bytes.length + " bytes, fewer than "
          + SECRET_BYTES_MIN + " (e.g. `head -c 32 /dev/urandom | base64 > " + file + "`)");
    }
    return new ClusterSecret(bytes);
  }

  public static ClusterSecret of(byte[] secret) {
    if (secret.length < SECRET_BYTES_MIN) {
      throw new IllegalArgumentException("a cluster secret needs at least " + SECRET_BYTES_MIN + " bytes");
    }
    return new ClusterSecret(secret.clone());
  }

  public static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /** What the connecting node sends: proves it knows the secret, bound to the server's fresh nonce. */
  public byte[] connectorProof(byte[] serverNonce, byte[] connectorNonce, String nodeId, String clusterName) {
    return mac("ringkv-peer-connect", serverNonce, connectorNonce, nodeId, clusterName);
  }

  /** What the accepting node answers: proves it knows the secret too, bound to the connector's nonce. */
  public byte[] acceptorProof(byte[] serverNonce, byte[] connectorNonce, String nodeId, String clusterName) {
    return mac("ringkv-peer-accept", serverNonce, connectorNonce, nodeId, clusterName);
  }

  public static boolean same(byte[] a, byte[] b) {
    return a != null && b != null && MessageDigest.isEqual(a, b);
  }

  private byte[] mac(String label, byte[] a, byte[] b, String nodeId, String clusterName) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      for (byte[] part : new byte[][] {label.getBytes(StandardCharsets.UTF_8), a, b,
          String.valueOf(nodeId).getBytes(StandardCharsets.UTF_8), String.valueOf(clusterName).getBytes(StandardCharsets.UTF_8)}) {
        mac.update((byte) (part.length >>> 8));
        mac.update((byte) part.length);
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
