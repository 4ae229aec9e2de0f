package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of an admin read (WHERE, VERIFY): ask each listed node once, keep each node's first
 * answer of the expected kind, and answer the client when all have answered or the deadline passed,
 * with whatever arrived. Nothing is merged, retried or repaired.
 *
 * @param <A> what one node's answer is reduced to
 */
abstract class GatherCoordinator<A> implements Coordinator {
  private final long internalId;
  private final List<Endpoint> nodes;
  private final long deadlineMs;
  private final Map<Endpoint, A> answers = new HashMap<>();
  private boolean finished;

  GatherCoordinator(long internalId, List<Endpoint> nodes, long deadlineMs) {
    this.internalId = internalId;
    this.nodes = List.copyOf(nodes);
    this.deadlineMs = deadlineMs;
  }

  /** The request each node is sent, carrying {@code internalId}. */
  abstract Message request(long internalId);

  /** The node's answer from its reply, or null when the reply is not one this coordinator expects. */
  abstract A answerOf(Reply reply);

  /** The client's reply from the answers that arrived (nodes that did not answer are absent). */
  abstract Reply reply(Map<Endpoint, A> answers);

  @Override
  public final long internalId() {
    return internalId;
  }

  @Override
  public final Step start(long nowMs) {
    Step step = new Step();
    for (Endpoint e : nodes) {
      step.sends.add(new Step.Send(e, request(internalId)));
    }
    if (nodes.isEmpty()) {
      finish(step);
    } else {
      step.wakeAtMs = deadlineMs;
    }
    return step;
  }

  @Override
  public final Step onReply(Endpoint from, Reply reply, long nowMs) {
    Step step = new Step();
    if (!finished && nodes.contains(from) && !answers.containsKey(from)) {
      A answer = answerOf(reply);
      if (answer != null) {
        answers.put(from, answer);
      }
    }
    if (!finished && answers.size() == nodes.size()) {
      finish(step);
    } else if (!finished) {
      step.wakeAtMs = deadlineMs;
    }
    step.finished = finished;
    return step;
  }

  @Override
  public final Step onTimer(long nowMs) {
    Step step = new Step();
    if (!finished) {
      if (nowMs >= deadlineMs) {
        finish(step);
      } else {
        step.wakeAtMs = deadlineMs;
      }
    }
    step.finished = finished;
    return step;
  }

  private void finish(Step step) {
    step.reply = reply(answers);
    finished = true;
    step.finished = true;
  }
}
