package io.ringkv.gossip;

/**
 * A change the node should log (one line each) and react to. Returned by {@link Gossiper} calls in
 * {@link GossipResult#events()}.
 */
public sealed interface MembershipEvent {

  /** A member seen for the first time. */
  record Joined(Member member) implements MembershipEvent {}

  /** A member's lifecycle status changed (local or remote). */
  record StatusChanged(String id, MemberStatus from, MemberStatus to) implements MembershipEvent {}

  /** A member came back with a higher generation: it restarted. */
  record Restarted(String id, long oldGeneration, long newGeneration) implements MembershipEvent {}

  /** This node's failure detector convicted ({@code alive == false}) or absolved a member. */
  record LivenessChanged(String id, Endpoint endpoint, boolean alive, double phi) implements MembershipEvent {}

  /** We refused a peer whose cluster metadata differs from ours. */
  record PeerRejected(Endpoint from, String reason) implements MembershipEvent {}

  /**
   * A peer refused us. {@code fatal} is true when this node has not yet exchanged state with any
   * compatible peer: it is the misconfigured newcomer and should print {@code reason} and exit
   * non-zero. When false, this node already belongs to a cluster and the peer is the odd one out.
   */
  record Rejected(Endpoint by, String reason, boolean fatal) implements MembershipEvent {}
}
