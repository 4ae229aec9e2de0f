package io.ringkv.security;

import java.util.Locale;

/**
 * What an authenticated user may do; each role includes the ones before it (Riak's and Cassandra's
 * split of readers, writers and operators).
 */
public enum Role {
  /** GET, WHERE, INFO. */
  READ,
  /** And PUT, DELETE. */
  READWRITE,
  /** And the admin commands: REMOVE, LEAVE, VERIFY. */
  ADMIN;

  public boolean allows(Role required) {
    return compareTo(required) >= 0;
  }

  /** The users file's and the flag's spelling: {@code read}, {@code readwrite}, {@code admin}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.wireName().equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be read, readwrite or admin, got '" + s + "'");
  }
}
