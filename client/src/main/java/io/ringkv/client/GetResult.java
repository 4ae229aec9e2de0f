package io.ringkv.client;

import java.util.List;

/**
 * @param values the live siblings' values; empty when the key is not found; more than one means
 *     concurrent writes that a write with {@link #context()} resolves
 * @param context send back with the next write or delete of this key
 * @param replicas replicas that answered
 * @param downgradedFrom 0 normally; the R that was asked for when the read was retried at
 *     {@code replicas} because only that many replicas were alive ({@link RequestOptions#downgrade()}):
 *     the value may then be stale
 */
public record GetResult(List<byte[]> values, CausalContext context, int replicas, int downgradedFrom) {
  public GetResult(List<byte[]> values, CausalContext context, int replicas) {
    this(values, context, replicas, 0);
  }

  public boolean found() {
    return !values.isEmpty();
  }

  public boolean hasSiblings() {
    return values.size() > 1;
  }

  public boolean downgraded() {
    return downgradedFrom > 0;
  }

  GetResult downgradedFrom(int asked) {
    return new GetResult(values, context, replicas, asked);
  }
}
