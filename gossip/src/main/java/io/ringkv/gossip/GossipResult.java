package io.ringkv.gossip;

import java.util.List;

/**
 * What a {@link Gossiper} call asks the node to do.
 *
 * @param outbound messages to send, best effort
 * @param events membership changes to log, one line each
 * @param ringChanged whether a member's endpoint, tokens or status changed: rebuild the ring from
 *     {@link Gossiper#view()}
 */
public record GossipResult(List<Outbound> outbound, List<MembershipEvent> events, boolean ringChanged) {
  public static final GossipResult EMPTY = new GossipResult(List.of(), List.of(), false);

  public GossipResult {
    outbound = List.copyOf(outbound);
    events = List.copyOf(events);
  }

  /** A gossip payload for the node at {@code to}. */
  public record Outbound(Endpoint to, GossipPayload payload) {}
}
