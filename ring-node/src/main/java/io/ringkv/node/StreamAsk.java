package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.protocol.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The asking side of a stream (bootstrap: a joiner asks the owners; REMOVE: the administrator's node asks
 * the survivors): each source is asked, and asked again after {@code askAgainMs} without any new answer,
 * since a request or reply can be lost to a torn connection (a source already streaming answers every
 * request when done).
 */
final class StreamAsk {
  private StreamAsk() {}

  /**
   * Asks every source with {@code ask} (its id, and where to put its answer) until each answered or
   * {@code waitMs} passed; blocks the calling thread. Returns the answers by source id (missing: no answer).
   */
  static Map<String, StreamReply> untilAnswered(List<String> sources, BiConsumer<String, Consumer<StreamReply>> ask,
      long askAgainMs, long waitMs) throws InterruptedException {
    Map<String, StreamReply> replies = new ConcurrentHashMap<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (replies.size() < sources.size() && System.nanoTime() < deadline) {
      for (String source : sources) {
        if (!replies.containsKey(source)) {
          ask.accept(source, r -> replies.putIfAbsent(source, r));
        }
      }
      // ask again only after askAgainMs without any answer
      int seen = replies.size();
      long quietSince = System.nanoTime();
      while (replies.size() < sources.size() && System.nanoTime() < deadline
          && System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(askAgainMs)) {
        Thread.sleep(50);
        if (replies.size() != seen) {
          seen = replies.size();
          quietSince = System.nanoTime();
        }
      }
    }
    return replies;
  }

  /**
   * Sends one stream request to a peer (on the node's core thread) and hands its answer to {@code answer}:
   * the StreamReply, or a reply counting one failure for anything else. The request is forgotten after
   * {@code askAgainMs}, when it would be asked again.
   */
  static void peer(RingNode node, Endpoint to, LongFunction<Request> request, Consumer<StreamReply> answer,
      long askAgainMs) {
    node.core().execute(() -> {
      long id = node.request(to, request, (from, reply) ->
          answer.accept(reply instanceof StreamReply r ? r : new StreamReply(0, 0, 1)));
      node.core().schedule(askAgainMs, () -> node.forget(id));
    });
  }
}
