package io.ringkv.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A salted, slow password hash: PBKDF2 with HMAC-SHA256 from the JDK ({@code SecretKeyFactory}), a
 * 16-byte random salt and {@link #DEFAULT_ITERATIONS} iterations, compared in constant time. Stored as
 * {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (base64), so the iteration count can be raised for new
 * passwords while old entries still verify.
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256 (600,000); about 0.3 s of one core here. */
  public static final int DEFAULT_ITERATIONS = 600_000;
  /** Fewer is refused when reading a users file: a weak hash is a configuration error, not a choice. */
  public static final int MIN_ITERATIONS = 1_000;
  /** More is refused too: a users file must not make each login take minutes (an easy denial of service). */
  public static final int MAX_ITERATIONS = 10_000_000;
  static final String SCHEME = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  public PasswordHash {
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS + ", got "
          + iterations);
    }
    Objects.requireNonNull(salt, "salt");
    if (hash == null || hash.length != HASH_BITS / 8) {
      throw new IllegalArgumentException("hash must be " + HASH_BITS / 8 + " bytes");
    }
  }

  public static PasswordHash create(char[] password, int iterations) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return new PasswordHash(iterations, salt, derive(password, salt, iterations));
  }

  /** Whether {@code password} is the one hashed; always costs the full iteration count. */
  public boolean matches(char[] password) {
    return MessageDigest.isEqual(hash, derive(password, salt, iterations));
  }

  public String encode() {
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  public static PasswordHash decode(String s) {
    String[] parts = s.split("\\$", -1);
    if (parts.length != 4 || !parts[0].equals(SCHEME)) {
      throw new IllegalArgumentException("not a " + SCHEME + "$ITERATIONS$SALT$HASH password hash");
    }
    try {
      return new PasswordHash(Integer.parseInt(parts[1]), Base64.getDecoder().decode(parts[2]),
          Base64.getDecoder().decode(parts[3]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad iteration count '" + parts[1] + "'");
    }
  }

  static byte[] derive(char[] password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
    } finally {
      spec.clearPassword();
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PasswordHash p && p.iterations == iterations && Arrays.equals(p.salt, salt)
        && Arrays.equals(p.hash, hash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash);
  }

  @Override
  public String toString() {
    return "PasswordHash[" + SCHEME + ", " + iterations + " iterations]";
  }
}
