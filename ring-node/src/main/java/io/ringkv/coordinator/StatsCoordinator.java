package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.NodeStats;
import io.ringkv.protocol.ClientMessages.StatsReply;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.NodeStatsReply;
import io.ringkv.internode.ReplicaMessages.NodeStatsRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Gathers every live node's figures for the dashboard (so any node's page shows the whole cluster):
 * one {@link NodeStatsRequest} per node, answered with whatever arrived by the deadline.
 */
public final class StatsCoordinator extends GatherCoordinator<NodeStats> {
  private final long clientRequestId;

  public StatsCoordinator(long internalId, long clientRequestId, List<Endpoint> nodes, long deadlineMs) {
    super(internalId, nodes, deadlineMs);
    this.clientRequestId = clientRequestId;
  }

  @Override
  Message request(long internalId) {
    return new NodeStatsRequest(internalId);
  }

  @Override
  NodeStats answerOf(Reply reply) {
    return reply instanceof NodeStatsReply r ? r.stats() : null;
  }

  @Override
  Reply reply(Map<Endpoint, NodeStats> answers) {
    List<NodeStats> nodes = new ArrayList<>(answers.values());
    nodes.sort(Comparator.comparing(NodeStats::nodeId));
    return new StatsReply(clientRequestId, nodes);
  }
}
