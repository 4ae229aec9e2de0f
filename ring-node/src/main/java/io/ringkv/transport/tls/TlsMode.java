package io.ringkv.transport.tls;

import java.util.Locale;

/**
 * Which connections of the native port use TLS ({@code --tls}, Cassandra's
 * {@code client_encryption_options} and {@code server_encryption_options} in one flag).
 */
public enum TlsMode {
  /** No TLS (the default, as Cassandra's). */
  OFF,
  /** Clients must use TLS; nodes talk plaintext (authenticate them with a cluster secret). */
  CLIENT,
  /** Nodes use mutual TLS; clients may use TLS or plaintext. */
  INTERNODE,
  /** Clients and nodes must use TLS. */
  ALL;

  public boolean coversClients() {
    return this == CLIENT || this == ALL;
  }

  public boolean coversInternode() {
    return this == INTERNODE || this == ALL;
  }

  /** The flag's spelling: {@code off}, {@code client}, {@code internode} or {@code all}. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TlsMode parse(String s) {
    for (TlsMode m : values()) {
      if (m.flag().equals(s == null ? "" : s.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("--tls must be off, client, internode or all, got '" + s + "'");
  }
}
