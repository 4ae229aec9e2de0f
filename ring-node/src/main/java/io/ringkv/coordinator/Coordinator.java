package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Reply;

/**
 * A coordinator of one client request, as a pure state machine (STYLE.md 1; etcd raft's shape):
 * events in ({@link #start}, a replica's reply, a timer), a {@link Step} out. It never touches the
 * network, the disk or the clock; the node's driver does, and calls it from one thread.
 */
public interface Coordinator {
  /** The id its replica requests carry; replies with this id are routed back to it. */
  long internalId();

  Step start(long nowMs);

  Step onReply(Endpoint from, Reply reply, long nowMs);

  Step onTimer(long nowMs);
}
