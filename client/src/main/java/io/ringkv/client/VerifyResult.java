package io.ringkv.client;

import java.util.List;

/**
 * What VERIFY found across the ring.
 *
 * @param keys distinct keys found on the nodes that answered
 * @param underReplicated keys held by fewer of their owners than min(N, nodes)
 * @param misplaced keys held by a node that is not one of their owners
 * @param unanswered ids of nodes that did not answer (their keys are not counted)
 * @param truncated a node held more keys than one check reads
 */
public record VerifyResult(long keys, long underReplicated, long misplaced, List<String> unanswered,
    boolean truncated) {
  /** True when every key is on exactly its owners and every node answered. */
  public boolean clean() {
    return underReplicated == 0 && misplaced == 0 && unanswered.isEmpty() && !truncated;
  }
}
