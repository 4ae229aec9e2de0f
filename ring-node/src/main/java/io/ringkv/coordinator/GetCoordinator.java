package io.ringkv.coordinator;

import io.ringkv.ring.Replica;
import io.ringkv.ring.WritePlan;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Coordinates a GET (Dynamo section 4.5, Riak's get FSM): asks every target, answers the client
 * once {@code r} replicas answered with the causal merge of their objects, then keeps listening
 * until every target answered or the deadline passed and sends the merged object to each replica
 * whose copy lacked something (read repair). Replicas that never answered are not repaired here:
 * hinted handoff and anti-entropy cover them.
 *
 * <p>Only the key's owners count toward {@code r}: a fallback is asked too and its object is merged
 * into the answer, but it does not stand in for an owner's answer unless the node runs with a sloppy
 * quorum. With owner-only writes ({@link PutCoordinator}) and {@code r + w > n}, the {@code r} owners
 * that answer include one that stored every acknowledged write, so owners that missed a delete
 * during a pause or a partition cannot hide it after the heal. Fewer than {@code r} reachable
 * owners: UNAVAILABLE before anything is sent.
 *
 * <p>Read repair is bounded: it is skipped for objects above {@code repairBytesMax}, which
 * anti-entropy will carry at its throttled pace instead.
 */
public final class GetCoordinator implements Coordinator {
  private final long internalId;
  private final long clientRequestId;
  private final byte[] key;
  private final List<Replica> targets;
  private final int r;
  private final long deadlineMs;
  private final long repairBytesMax;
  private final Function<VersionVector, byte[]> contextEncoder;

  private final Map<Endpoint, VersionedObject> answers = new LinkedHashMap<>();
  private final Set<Endpoint> failed = new HashSet<>();
  private VersionedObject merged = VersionedObject.EMPTY;
  private String lastError;
  private boolean sloppyQuorum;
  private boolean replied;
  private boolean finished;

  public GetCoordinator(long internalId, long clientRequestId, byte[] key, List<Replica> targets, int r,
      long deadlineMs, long repairBytesMax, Function<VersionVector, byte[]> contextEncoder) {
    this.internalId = internalId;
    this.clientRequestId = clientRequestId;
    this.key = key;
    this.targets = List.copyOf(targets);
    this.r = r;
    this.deadlineMs = deadlineMs;
    this.repairBytesMax = repairBytesMax;
    this.contextEncoder = contextEncoder;
  }

  /** Dynamo's sloppy quorum: a fallback's answer counts toward {@code r} (see the class comment). */
  public GetCoordinator withSloppyQuorum(boolean sloppy) {
    this.sloppyQuorum = sloppy;
    return this;
  }

  @Override
  public long internalId() {
    return internalId;
  }

  private int countedAnswers() {
    return Quorums.counted(answers.keySet(), targets, sloppyQuorum);
  }

  private int countedOutstanding() {
    return Quorums.outstanding(targets, answers.keySet(), failed, sloppyQuorum);
  }

  @Override
  public Step start(long nowMs) {
    Step step = new Step();
    if (targets.isEmpty()) {
      fail(step, "0 of " + r + " required replicas answered (no replica is reachable)");
      return step;
    }
    int owners = WritePlan.countable(targets, sloppyQuorum);
    if (owners < r) {
      fail(step, "0 of " + r + " required replicas answered (only " + owners + " of the key's owners "
          + (owners == 1 ? "is" : "are") + " reachable; stand-ins do not count toward R)");
      return step;
    }
    for (Replica t : targets) {
      step.sends.add(new Step.Send(t.endpoint(), new ReplicaRead(internalId, key)));
    }
    step.wakeAtMs = deadlineMs;
    return step;
  }

  @Override
  public Step onReply(Endpoint from, Reply reply, long nowMs) {
    Step step = new Step();
    if (finished) {
      step.finished = true;
      return step;
    }
    if (Replica.at(targets, from) == null || answers.containsKey(from) || failed.contains(from)) {
      step.wakeAtMs = deadlineMs;
      return step;
    }
    if (reply instanceof ReplicaReadReply rr) {
      VersionedObject o = rr.object() == null ? VersionedObject.EMPTY : rr.object();
      answers.put(from, o);
      merged = merged.merge(o);
      if (!replied && countedAnswers() >= r) {
        replied = true;
        step.reply = answer();
      }
    } else if (reply instanceof ErrorReply e) {
      failed.add(from);
      lastError = e.message();
    }
    int outstanding = targets.size() - answers.size() - failed.size();
    if (!replied && countedAnswers() + countedOutstanding() < r) {
      fail(step, shortfall());
      return step;
    }
    if (outstanding == 0) {
      finish(step);
    } else {
      step.wakeAtMs = deadlineMs;
    }
    return step;
  }

  @Override
  public Step onTimer(long nowMs) {
    Step step = new Step();
    if (finished) {
      step.finished = true;
      return step;
    }
    if (nowMs < deadlineMs) {
      step.wakeAtMs = deadlineMs;
      return step;
    }
    if (!replied) {
      fail(step, shortfall());
    } else {
      finish(step);
    }
    return step;
  }

  private GetReply answer() {
    return new GetReply(clientRequestId, merged.liveValuesOncePerWrite(), contextEncoder.apply(merged.context()),
        countedAnswers());
  }

  /** Sends the merged object to each replica that answered with less. */
  private void finish(Step step) {
    finished = true;
    step.finished = true;
    if (merged.siblings().isEmpty() && merged.context().isEmpty()) {
      return;
    }
    if (merged.valueBytes() > repairBytesMax) {
      return;
    }
    for (Map.Entry<Endpoint, VersionedObject> e : answers.entrySet()) {
      if (!e.getValue().equals(merged)) {
        Replica t = Replica.at(targets, e.getKey());
        step.sends.add(new Step.Send(e.getKey(), new ReplicaMerge(internalId, key, merged, t.hintFor())));
        step.readRepairs++;
      }
    }
  }

  private String shortfall() {
    String m = countedAnswers() + " of " + r + " required replicas answered";
    return lastError == null ? m : m + " (last error: " + lastError + ")";
  }

  private void fail(Step step, String message) {
    if (!replied) {
      replied = true;
      step.reply = new ErrorReply(clientRequestId, ErrorCode.UNAVAILABLE, message);
    }
    finished = true;
    step.finished = true;
  }
}
