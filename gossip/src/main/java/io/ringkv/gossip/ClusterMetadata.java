package io.ringkv.gossip;

import java.util.Objects;
import java.util.Optional;

/**
 * What every node of a cluster must agree on. A node whose metadata differs is refused at the first
 * gossip exchange and never merged (see {@link Gossiper}).
 *
 * @param clusterName guards against two clusters on one network merging by accident
 * @param replicationFactor N, the number of replicas of every key
 * @param keyFormat {@code "any"} or {@code "uuid4"}
 */
public record ClusterMetadata(String clusterName, int replicationFactor, String keyFormat) {
  public static final String KEY_FORMAT_ANY = "any";
  public static final String KEY_FORMAT_UUID4 = "uuid4";
  /** Bound on the cluster name, which travels in every gossip Syn. */
  public static final int MAX_CLUSTER_NAME_LENGTH = 128;

  public ClusterMetadata {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(keyFormat, "keyFormat");
    if (clusterName.isBlank() || clusterName.length() > MAX_CLUSTER_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "clusterName must be 1.." + MAX_CLUSTER_NAME_LENGTH + " characters, got '" + clusterName + "'");
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replicationFactor must be >= 1, got " + replicationFactor);
    }
    if (!keyFormat.equals(KEY_FORMAT_ANY) && !keyFormat.equals(KEY_FORMAT_UUID4)) {
      throw new IllegalArgumentException("keyFormat must be 'any' or 'uuid4', got '" + keyFormat + "'");
    }
  }

  /**
   * Why a node with metadata {@code joiner} may not join a cluster with this metadata, as one line
   * naming both values from the joiner's point of view; empty when compatible.
   */
  public Optional<String> incompatibilityWith(ClusterMetadata joiner) {
    if (!clusterName.equals(joiner.clusterName)) {
      return Optional.of("cluster name mismatch: this node has '" + joiner.clusterName
          + "', the peer belongs to cluster '" + clusterName + "'");
    }
    if (replicationFactor != joiner.replicationFactor) {
      return Optional.of("replication factor mismatch: this node has " + joiner.replicationFactor
          + ", cluster '" + clusterName + "' has " + replicationFactor);
    }
    if (!keyFormat.equals(joiner.keyFormat)) {
      return Optional.of("key format mismatch: this node has '" + joiner.keyFormat
          + "', cluster '" + clusterName + "' has '" + keyFormat + "'");
    }
    return Optional.empty();
  }
}
