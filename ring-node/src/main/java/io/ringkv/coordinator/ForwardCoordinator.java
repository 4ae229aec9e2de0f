package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.AdminReply;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import java.util.function.LongFunction;

/**
 * Relays an admin request meant for another node (STOP of a node the client is not connected to):
 * sends it once to {@code target}, answers the client with the target's {@link AdminReply} or
 * {@link ErrorReply} under the client's request id, and with TIMEOUT when no answer came by the
 * deadline (the target may still have acted on it: a stopped node cannot always answer first).
 */
public final class ForwardCoordinator implements Coordinator {
  private final long internalId;
  private final long clientRequestId;
  private final String targetId;
  private final Endpoint target;
  private final LongFunction<Request> build;
  private final long deadlineMs;
  private boolean finished;

  /** @param build the request to send, given the id its reply must carry (this coordinator's internal id) */
  public ForwardCoordinator(long internalId, long clientRequestId, String targetId, Endpoint target,
      LongFunction<Request> build, long deadlineMs) {
    this.internalId = internalId;
    this.clientRequestId = clientRequestId;
    this.targetId = targetId;
    this.target = target;
    this.build = build;
    this.deadlineMs = deadlineMs;
  }

  @Override
  public long internalId() {
    return internalId;
  }

  @Override
  public Step start(long nowMs) {
    Step step = new Step();
    step.sends.add(new Step.Send(target, build.apply(internalId)));
    step.wakeAtMs = deadlineMs;
    return step;
  }

  @Override
  public Step onReply(Endpoint from, Reply reply, long nowMs) {
    Step step = new Step();
    if (finished || !from.equals(target)) {
      step.finished = finished;
      step.wakeAtMs = finished ? -1 : deadlineMs;
      return step;
    }
    if (reply instanceof AdminReply a) {
      step.reply = new AdminReply(clientRequestId, a.message());
    } else if (reply instanceof ErrorReply e) {
      step.reply = new ErrorReply(clientRequestId, e.code(), e.message());
    } else {
      step.reply = new ErrorReply(clientRequestId, ErrorCode.PROTOCOL,
          targetId + " answered with " + reply.getClass().getSimpleName());
    }
    finished = true;
    step.finished = true;
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
    step.reply = new ErrorReply(clientRequestId, ErrorCode.TIMEOUT, targetId + " (" + target
        + ") did not answer within the request timeout; it may or may not have acted (NODES shows whether it is up)");
    finished = true;
    step.finished = true;
    return step;
  }
}
