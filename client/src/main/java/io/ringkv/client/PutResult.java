package io.ringkv.client;

/**
 * @param created the key held no live value before this write
 * @param acks replicas that acknowledged the write
 * @param context the context after the write
 * @param downgradedFrom 0 normally; the W that was asked for when the write was retried at a lower W
 *     because only that many replicas were alive ({@link RequestOptions#downgrade()})
 */
public record PutResult(boolean created, int acks, CausalContext context, int downgradedFrom) {
  public PutResult(boolean created, int acks, CausalContext context) {
    this(created, acks, context, 0);
  }

  public boolean downgraded() {
    return downgradedFrom > 0;
  }

  PutResult downgradedFrom(int asked) {
    return new PutResult(created, acks, context, asked);
  }
}
