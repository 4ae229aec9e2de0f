package io.ringkv.internode;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import java.util.function.LongFunction;

/**
 * Replica requests a subsystem sends on its own behalf (hinted handoff's deliveries, a transfer's merges,
 * a joiner's stream asks): the node's request path gives each an id from its own space and hands the
 * reply back. Core thread only.
 */
public interface ReplicaRpc {
  /** Receives the reply to one request, on the core thread. */
  @FunctionalInterface
  interface ReplyCallback {
    void onReply(Endpoint from, Reply reply);
  }

  /**
   * Sends the request {@code build} makes of a fresh id to {@code to}; its reply goes to {@code callback}.
   * Returns the id, to {@link #forget} it on the caller's own timeout.
   */
  long request(Endpoint to, LongFunction<Request> build, ReplyCallback callback);

  /** Drops the callback of a request that timed out; a late reply is then ignored. */
  void forget(long requestId);
}
