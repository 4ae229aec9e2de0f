package io.ringkv.coordinator;

import io.ringkv.ring.Replica;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Answers WHERE: reads the key from each listed replica directly, without merging or repairing,
 * and reports what each one holds, so an operator sees divergence as it is.
 */
public final class WhereCoordinator extends GatherCoordinator<VersionedObject> {
  private final long clientRequestId;
  private final byte[] key;
  private final List<Replica> replicas;

  public WhereCoordinator(long internalId, long clientRequestId, byte[] key, List<Replica> replicas,
      long deadlineMs) {
    super(internalId, replicas.stream().map(Replica::endpoint).toList(), deadlineMs);
    this.clientRequestId = clientRequestId;
    this.key = key;
    this.replicas = List.copyOf(replicas);
  }

  @Override
  Message request(long internalId) {
    return new ReplicaRead(internalId, key);
  }

  @Override
  VersionedObject answerOf(Reply reply) {
    if (reply instanceof ReplicaReadReply r) {
      return r.object() == null ? VersionedObject.EMPTY : r.object();
    }
    return null;
  }

  @Override
  Reply reply(Map<Endpoint, VersionedObject> answers) {
    List<ReplicaView> views = new ArrayList<>();
    for (Replica t : replicas) {
      VersionedObject o = answers.get(t.endpoint());
      List<byte[]> values = new ArrayList<>();
      int tombstones = 0;
      if (o != null) {
        for (Sibling s : o.siblings()) {
          if (s.isTombstone()) {
            tombstones++;
          } else {
            values.add(s.value());
          }
        }
      }
      views.add(new ReplicaView(t.nodeId(), t.endpoint().host(), t.endpoint().port(), t.describe(), o != null, values,
          tombstones));
    }
    return new WhereReply(clientRequestId, views);
  }
}
