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
 * @param cleanupStartsInMs the answering node's cleanup of copies it no longer owns: -1 when none is
 *     due, 0 while a pass runs, else the milliseconds until it starts (misplaced copies a ring change
 *     left are dropped then, so they are expected until it has run)
 */
public record VerifyResult(long keys, long underReplicated, long misplaced, List<String> unanswered,
    boolean truncated, long cleanupStartsInMs) {
  public VerifyResult(long keys, long underReplicated, long misplaced, List<String> unanswered, boolean truncated) {
    this(keys, underReplicated, misplaced, unanswered, truncated, -1);
  }

  /** True when a cleanup pass is running or due on the answering node. */
  public boolean cleanupPending() {
    return cleanupStartsInMs >= 0;
  }

  /** True when every key is on exactly its owners and every node answered. */
  public boolean clean() {
    return underReplicated == 0 && misplaced == 0 && unanswered.isEmpty() && !truncated;
  }
}
