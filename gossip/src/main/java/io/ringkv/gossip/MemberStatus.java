package io.ringkv.gossip;

/**
 * Where a member is in its lifecycle. This is the member's own (or an administrator's) statement,
 * spread by gossip; it says nothing about whether the member is reachable right now. Liveness is a
 * separate, local opinion of each node's {@link PhiAccrualFailureDetector}, see
 * {@link Gossiper#isAlive(String, long)}.
 *
 * <pre>
 *   JOINING --(bootstrap streamed)--> UP --(decommission)--> LEAVING --(handed off)--> LEFT
 *   any --(admin remove of a dead node)--> REMOVING --(survivors re-replicated its ranges)--> REMOVED
 * </pre>
 *
 * REMOVING is set by the administrator's node, not by the member (which is down): the member still
 * owns its tokens, so reads and writes of its ranges keep using fallbacks for it, while the key's
 * owners-to-be receive the writes too and the survivors stream them the data (as for LEAVING).
 * Appended last: the wire carries the ordinal.
 */
public enum MemberStatus {
  /** Announced its tokens, still streaming data in; not an owner yet. */
  JOINING,
  /** Owns its tokens and serves them. */
  UP,
  /** Still owns its tokens while streaming them away. */
  LEAVING,
  /** Finished leaving; holds nothing. Kept in the view so the departure is not forgotten. */
  LEFT,
  /** Removed by an administrator (a dead node that will not come back); holds nothing. */
  REMOVED,
  /** Down, and being removed by an administrator: owns its tokens until survivors re-replicated them. */
  REMOVING;

  /** Whether a member in this status is an owner on the ring: UP, LEAVING and REMOVING are, the rest not. */
  public boolean ownsTokens() {
    return this == UP || this == LEAVING || this == REMOVING;
  }

  /** LEAVING or REMOVING: an owner whose tokens pass to other nodes once its data is streamed. */
  public boolean isDeparting() {
    return this == LEAVING || this == REMOVING;
  }

  /** LEFT or REMOVED: the member is gone for good and is no gossip target. */
  public boolean isGone() {
    return this == LEFT || this == REMOVED;
  }
}
