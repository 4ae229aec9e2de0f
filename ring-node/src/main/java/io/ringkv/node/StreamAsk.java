package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.protocol.Request;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * The asking side of a stream (bootstrap: a joiner asks the owners; REMOVE: the administrator's node asks
 * the survivors): each source is asked, and asked again after {@code askAgainMs} without any new answer,
 * since a request or reply can be lost to a torn connection (a source already streaming answers every
 * request when done). A source the asker may do without ({@code unreachable}: a joiner's owner that is
 * down or being removed) stops being waited for once it has been unreachable for {@link #DOWN_GRACE_MS},
 * up to {@code maxGivenUp} sources.
 * Core events and timers only: it runs under the simulator as on a node.
 */
final class StreamAsk {
  /** How often the sources' reachability is looked at while answers are awaited. */
  static final long SOURCE_CHECK_MS = 1_000;
  /** How long a source must stay unreachable before it is no longer waited for (a phi spike is not down). */
  static final long DOWN_GRACE_MS = 10_000;

  private final Scheduler core;
  private final Clock clock;
  private final List<String> sources;
  private final BiConsumer<String, Consumer<StreamReply>> ask;
  private final long askAgainMs;
  private final long deadlineMs;
  private final Predicate<String> unreachable;
  private final int maxGivenUp;
  private final Map<String, StreamReply> replies = new HashMap<>();
  /** Sources no longer waited for. */
  private final java.util.Set<String> given = new java.util.TreeSet<>();
  /** Since when each source has been unreachable, while it is. */
  private final Map<String, Long> unreachableSince = new HashMap<>();
  private final CompletableFuture<Map<String, StreamReply>> done = new CompletableFuture<>();
  private long lastAnswerMs;

  private StreamAsk(Scheduler core, Clock clock, List<String> sources, BiConsumer<String, Consumer<StreamReply>> ask,
      Predicate<String> unreachable, int maxGivenUp, long askAgainMs, long waitMs) {
    this.core = core;
    this.clock = clock;
    this.sources = List.copyOf(sources);
    this.ask = ask;
    this.unreachable = unreachable;
    this.maxGivenUp = maxGivenUp;
    this.askAgainMs = askAgainMs;
    this.deadlineMs = clock.nowMs() + waitMs;
    this.lastAnswerMs = clock.nowMs();
  }

  /**
   * Asks every source with {@code ask} (its id, and where to put its answer, from any thread; called on the
   * core thread) until each answered, was given up as {@code unreachable} (at most {@code maxGivenUp} of
   * them; 0: wait for every source) or {@code waitMs} passed. Call on the core thread; the future completes there with the
   * answers by source id (missing: no answer).
   */
  static CompletableFuture<Map<String, StreamReply>> ask(Scheduler core, Clock clock, List<String> sources,
      BiConsumer<String, Consumer<StreamReply>> ask, Predicate<String> unreachable, int maxGivenUp, long askAgainMs,
      long waitMs) {
    StreamAsk s = new StreamAsk(core, clock, sources, ask, unreachable, maxGivenUp, askAgainMs, waitMs);
    s.round();
    return s.done;
  }

  private boolean allIn() {
    return replies.size() + given.size() >= sources.size();
  }

  private void round() {
    if (allIn()) {
      done.complete(Map.copyOf(replies));
      return;
    }
    for (String source : sources) {
      if (!replies.containsKey(source) && !given.contains(source)) {
        // an answer is counted on the core, from whichever thread delivered it
        ask.accept(source, r -> core.execute(() -> answered(source, r)));
      }
    }
    checkAt(lastAnswerMs + askAgainMs);
  }

  private void answered(String source, StreamReply reply) {
    if (done.isDone() || replies.putIfAbsent(source, reply) != null) {
      return;
    }
    given.remove(source); // a late answer from a source given up still counts
    lastAnswerMs = clock.nowMs();
    if (allIn()) {
      done.complete(Map.copyOf(replies));
    }
  }

  private void checkAt(long atMs) {
    long at = Math.min(Math.min(atMs, deadlineMs), clock.nowMs() + SOURCE_CHECK_MS);
    core.schedule(Math.max(0, at - clock.nowMs()), this::check);
  }

  private void check() {
    if (done.isDone()) {
      return;
    }
    long now = clock.nowMs();
    for (String source : sources) {
      if (replies.containsKey(source) || given.contains(source)) {
        continue;
      }
      if (!unreachable.test(source)) {
        unreachableSince.remove(source);
      } else if (now - unreachableSince.computeIfAbsent(source, s -> now) >= DOWN_GRACE_MS
          && given.size() < maxGivenUp) {
        given.add(source);
      }
    }
    if (allIn()) {
      done.complete(Map.copyOf(replies));
    } else if (now >= deadlineMs) {
      done.complete(Map.copyOf(replies));
    } else if (now - lastAnswerMs >= askAgainMs) {
      lastAnswerMs = now; // the quiet period starts again with this round
      round();
    } else {
      checkAt(lastAnswerMs + askAgainMs);
    }
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
