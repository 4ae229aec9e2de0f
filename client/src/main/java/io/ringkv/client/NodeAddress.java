package io.ringkv.client;

import java.util.Objects;

/** Where a client reaches a node: its advertised host and native port. */
public record NodeAddress(String host, int port) implements Comparable<NodeAddress> {
  public NodeAddress {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, got " + port);
    }
  }

  /** Parses {@code HOST:PORT}; the message of the exception names the bad text. */
  public static NodeAddress parse(String text) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
    }
    try {
      return new NodeAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected HOST:PORT with a numeric port, got '" + text + "'");
    }
  }

  @Override
  public int compareTo(NodeAddress o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
