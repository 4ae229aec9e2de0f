package io.ringkv.client;

/**
 * @param existed the key held a live value before the delete
 * @param acks replicas that acknowledged the delete
 * @param downgradedFrom 0 normally; the W that was asked for when the delete was retried at a lower W
 *     because only that many replicas were alive ({@link RequestOptions#downgrade()})
 */
public record DeleteResult(boolean existed, int acks, int downgradedFrom) {
  public DeleteResult(boolean existed, int acks) {
    this(existed, acks, 0);
  }

  public boolean downgraded() {
    return downgradedFrom > 0;
  }

  DeleteResult downgradedFrom(int asked) {
    return new DeleteResult(existed, acks, asked);
  }
}
