package io.ringkv.client;

import java.util.List;

/**
 * @param values the live siblings' values; empty when the key is not found; more than one means
 *     concurrent writes that a write with {@link #context()} resolves
 * @param context send back with the next write or delete of this key
 * @param replicas replicas that answered
 */
public record GetResult(List<byte[]> values, CausalContext context, int replicas) {
  public boolean found() {
    return !values.isEmpty();
  }

  public boolean hasSiblings() {
    return values.size() > 1;
  }
}
