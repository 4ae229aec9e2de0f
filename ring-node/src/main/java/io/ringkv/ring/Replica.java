package io.ringkv.ring;

import io.ringkv.gossip.Endpoint;
import java.util.List;
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

  public static Replica primary(String nodeId, Endpoint endpoint) {
    return new Replica(nodeId, endpoint, Role.PRIMARY, null);
  }

  /** A PRIMARY when {@code hintFor} is null, else a FALLBACK standing in for {@code hintFor}. */
  public static Replica of(String nodeId, Endpoint endpoint, String hintFor) {
    return new Replica(nodeId, endpoint, hintFor == null ? Role.PRIMARY : Role.FALLBACK, hintFor);
  }

  /** The replica at {@code endpoint} in {@code replicas}, or null: replies are matched to replicas by sender. */
  public static Replica at(List<Replica> replicas, Endpoint endpoint) {
    for (Replica r : replicas) {
      if (r.endpoint().equals(endpoint)) {
        return r;
      }
    }
    return null;
  }

  public boolean isFallback() {
    return role == Role.FALLBACK;
  }

  /** "primary", or "fallback for n3": how WHERE and the logs name the replica's part. */
  public String describe() {
    return hintFor == null ? "primary" : "fallback for " + hintFor;
  }
}
