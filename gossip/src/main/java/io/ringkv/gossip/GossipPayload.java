package io.ringkv.gossip;

import java.util.List;
import java.util.Objects;

/**
 * The three legs of a push-pull gossip exchange (Cassandra's GossipDigestSyn/Ack/Ack2) and the refusal
 * of an incompatible peer. Sizes are checked on construction, so a decoder that builds these records
 * through their canonical constructor (Kryo does for records) refuses oversized input.
 */
public sealed interface GossipPayload {

  /** Bound on digests in a Syn and requests in an Ack: one per member. */
  int MAX_DIGESTS = MembershipView.MAX_MEMBERS;
  /** Bound on the length of a rejection reason. */
  int MAX_REASON_LENGTH = 1024;

  /** The id of the node that sent this payload. */
  String senderId();

  /** Leg 1, initiator to peer: what I know (a digest per member) and my cluster metadata. */
  record Syn(String senderId, ClusterMetadata metadata, List<Digest> digests) implements GossipPayload {
    public Syn {
      Objects.requireNonNull(senderId, "senderId");
      Objects.requireNonNull(metadata, "metadata");
      digests = bounded(digests, MAX_DIGESTS, "Syn.digests");
    }
  }

  /**
   * Leg 2, peer to initiator: states newer than the initiator's (whole, or as heartbeat digests when the
   * initiator already holds the heavy part), and digests of states the peer wants.
   */
  record Ack(String senderId, List<Member> states, List<Digest> heartbeats, List<Digest> requests)
      implements GossipPayload {
    public Ack {
      Objects.requireNonNull(senderId, "senderId");
      states = bounded(states, GossipConfig.MAX_STATES_PER_MESSAGE, "Ack.states");
      heartbeats = bounded(heartbeats, MAX_DIGESTS, "Ack.heartbeats");
      requests = bounded(requests, MAX_DIGESTS, "Ack.requests");
    }
  }

  /** Leg 3, initiator to peer: the states the peer asked for, whole or as heartbeats. */
  record Ack2(String senderId, List<Member> states, List<Digest> heartbeats) implements GossipPayload {
    public Ack2 {
      Objects.requireNonNull(senderId, "senderId");
      states = bounded(states, GossipConfig.MAX_STATES_PER_MESSAGE, "Ack2.states");
      heartbeats = bounded(heartbeats, MAX_DIGESTS, "Ack2.heartbeats");
    }
  }

  /** Answer to a Syn with incompatible metadata; {@code reason} is one line for the sender to print. */
  record Reject(String senderId, String reason) implements GossipPayload {
    public Reject {
      Objects.requireNonNull(senderId, "senderId");
      Objects.requireNonNull(reason, "reason");
      if (reason.length() > MAX_REASON_LENGTH) {
        reason = reason.substring(0, MAX_REASON_LENGTH);
      }
    }
  }

  private static <T> List<T> bounded(List<T> list, int max, String what) {
    Objects.requireNonNull(list, what);
    if (list.size() > max) {
      throw new IllegalArgumentException(what + " has " + list.size() + " entries, bound is " + max);
    }
    return List.copyOf(list);
  }
}
