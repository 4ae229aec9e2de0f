package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.ReplicaMessages.ReplicaRead;
import io.ringkv.protocol.ReplicaMessages.ReplicaReadReply;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers WHERE: reads the key from each listed replica directly, without merging or repairing,
 * and reports what each one holds, so an operator sees divergence as it is.
 */
public final class WhereCoordinator implements Coordinator {
  private final long internalId;
  private final long clientRequestId;
  private final byte[] key;
  private final List<ReplicaTarget> replicas;
  private final long deadlineMs;
  private final Map<Endpoint, VersionedObject> answers = new HashMap<>();
  private boolean finished;

  public WhereCoordinator(long internalId, long clientRequestId, byte[] key, List<ReplicaTarget> replicas,
      long deadlineMs) {
    this.internalId = internalId;
    this.clientRequestId = clientRequestId;
    this.key = key;
    this.replicas = List.copyOf(replicas);
    this.deadlineMs = deadlineMs;
  }

  @Override
  public long internalId() {
    return internalId;
  }

  @Override
  public Step start(long nowMs) {
    Step step = new Step();
    for (ReplicaTarget t : replicas) {
      step.sends.add(new Step.Send(t.endpoint(), new ReplicaRead(internalId, key)));
    }
    if (replicas.isEmpty()) {
      answer(step);
    } else {
      step.wakeAtMs = deadlineMs;
    }
    return step;
  }

  @Override
  public Step onReply(Endpoint from, Reply reply, long nowMs) {
    Step step = new Step();
    if (finished) {
      step.finished = true;
      return step;
    }
    if (reply instanceof ReplicaReadReply r) {
      answers.put(from, r.object() == null ? VersionedObject.EMPTY : r.object());
    }
    if (answers.size() == replicas.size()) {
      answer(step);
    } else {
      step.wakeAtMs = deadlineMs;
    }
    return step;
  }

  @Override
  public Step onTimer(long nowMs) {
    Step step = new Step();
    if (!finished) {
      if (nowMs >= deadlineMs) {
        answer(step);
      } else {
        step.wakeAtMs = deadlineMs;
      }
    }
    step.finished = finished;
    return step;
  }

  private void answer(Step step) {
    List<ReplicaView> views = new ArrayList<>();
    for (ReplicaTarget t : replicas) {
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
      views.add(new ReplicaView(t.nodeId(), t.endpoint().host(), t.endpoint().port(), t.role(), o != null, values,
          tombstones));
    }
    step.reply = new WhereReply(clientRequestId, views);
    finished = true;
    step.finished = true;
  }
}
