package io.ringkv.ring;

import io.ringkv.gossip.Endpoint;
import java.util.Objects;

/**
 * One node of a {@link PreferenceList}.
 *
 * @param hintFor for a FALLBACK, the id of the down primary it stands in for (it stores a hint naming
 *     that node); null for a PRIMARY
 */
public record Replica(String nodeId, Endpoint endpoint, Role role, String hintFor) {
  public enum Role {
    PRIMARY,
    FALLBACK
  }

  public Replica {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(role, "role");
    if ((role == Role.FALLBACK) != (hintFor != null)) {
      throw new IllegalArgumentException("a FALLBACK has a hintFor and a PRIMARY has none: " + role + ", " + hintFor);
    }
  }

  static Replica primary(String nodeId, Endpoint endpoint) {
    return new Replica(nodeId, endpoint, Role.PRIMARY, null);
  }

  public boolean isFallback() {
    return role == Role.FALLBACK;
  }
}
