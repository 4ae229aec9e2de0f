package io.ringkv.node;

import java.util.Locale;
import java.util.regex.Pattern;

/** The cluster-wide rule for what a key may look like (seed 002 asks for UUID4 keys). */
public enum KeyFormat {
  /** Any non-empty byte string within the key size limit. */
  ANY,
  /** A version-4 UUID in its canonical 36-character text form, either case. */
  UUID4;

  private static final Pattern UUID4_TEXT = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}");

  /** Null when {@code key} is acceptable, else the one-line reason. */
  public String check(byte[] key) {
    if (key == null || key.length == 0) {
      return "Key must not be empty";
    }
    if (this == UUID4) {
      if (key.length != 36 || !UUID4_TEXT.matcher(new String(key, java.nio.charset.StandardCharsets.US_ASCII)).matches()) {
        return "Key is not a proper UUID4";
      }
    }
    return null;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static KeyFormat parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("keyFormat must be 'any' or 'uuid4', got '" + text + "'");
    }
  }
}
