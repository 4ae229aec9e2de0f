package io.ringkv.client;

import java.util.Objects;

/** A user name and password, sent in the Hello of every connection (and so kept across failovers). */
public record Credentials(String user, String password) {
  public Credentials {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("user must not be empty");
    }
  }

  /** Never shows the password. */
  @Override
  public String toString() {
    return "Credentials[user=" + user + "]";
  }
}
