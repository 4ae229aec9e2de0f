package io.ringkv.node;

import io.ringkv.ring.ClusterView;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.internode.ReplicaMessages.StreamRequest;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transfer.Transfer;
import io.ringkv.transfer.TransferDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bootstrap of a new node: it joins as JOINING (not an owner: reads keep going to the old owners),
 * asks every owner to stream it the objects it will own once UP, and announces UP when all streams are
 * done. The owners' side ({@link #serve}) pushes those objects as a {@link Transfer}, its progress
 * gossiped as the owner's activity ("streaming to n4: 42% ...", {@link Progress}). Writes that
 * arrive meanwhile go to the old owners and to the joiner as a pending replica, with one more
 * acknowledgement required ({@code ClusterView#pending}), so the joiner holds them when it goes UP.
 * A marker file ({@link ServerNode#BOOTSTRAP_MARKER}) lives in the data dir until the node is UP: a node
 * that crashed while JOINING comes back JOINING and streams again. An owner that is down or being
 * removed is not waited for ({@link #unreachable}). Once it is UP, the former owners hand
 * what they no longer own to the owners and drop it ({@link Cleanup}).
 *
 * <p>Both sides are core events, core timers and storage reads: no thread of their own, no sleep, so the
 * simulator drives a bootstrap like any other core task.
 */
final class Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
  /** How long a joiner waits for the cluster's ring to reach it by gossip before it gives up streaming. */
  static final long RING_WAIT_MS = 60_000;
  /** How long a joiner waits for all streams (each is throttled; ten minutes move about 9 GB). */
  static final long STREAM_WAIT_MS = 600_000;
  /** A stream not answered this long is asked for again (an owner already streaming just answers later). */
  static final long ASK_AGAIN_MS = 30_000;
  /**
   * The longest a joiner waits for its JOINING state to reach the cluster before it asks for its data; it
   * asks sooner once every live member has shown it holds that state ({@link #awaitJoiningKnown}).
   */
  static final int JOINING_SPREAD_ROUNDS = 3;
  /** How often a joiner, or an owner asked to stream, looks again for the ring it waits for. */
  static final long RING_POLL_MS = 100;

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  private final Executor storageExecutor;
  /** Joiners this node streams to now, with the request ids to answer when done (core thread only). */
  private final Map<String, List<Long>> streaming = new HashMap<>();

  Bootstrap(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      Executor storageExecutor) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.storageExecutor = storageExecutor;
  }

  /**
   * The joiner's side (from any thread): finds the owners, asks each to stream, goes UP when all answered
   * or the wait is over. The future completes on the core thread once the node is UP.
   */
  CompletableFuture<Void> join() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = node.clock().nowMs() + RING_WAIT_MS;
    node.core().execute(() -> findOwners(deadline, done));
    return done;
  }

  private void findOwners(long deadlineMs, CompletableFuture<Void> done) {
    List<Member> owners = new ArrayList<>();
    if (membership.gossiper().hasJoined()) {
      for (Member m : membership.gossiper().view().members()) {
        if (!m.id().equals(selfId) && m.status().ownsTokens()) {
          owners.add(m);
        }
      }
    }
    if (!owners.isEmpty()) {
      // let JOINING spread first: coordinators that know it send new writes here too, so a write that
      // lands on an owner after it streamed that key is here anyway
      long joining = membership.gossiper().localMember().stateVersion();
      awaitJoiningKnown(owners, joining, node.clock().nowMs() + JOINING_SPREAD_ROUNDS
          * membership.gossiper().config().gossipIntervalMs(), done);
    } else if (node.clock().nowMs() < deadlineMs) {
      node.core().schedule(RING_POLL_MS, () -> findOwners(deadlineMs, done));
    } else {
      log.info("bootstrap: no owner found through gossip in {} ms; going UP without streaming", RING_WAIT_MS);
      up(done);
    }
  }

  /**
   * Asks for the streams once every live member has shown by gossip that it holds this node's JOINING
   * state (so it sends new writes here too), or after {@link #JOINING_SPREAD_ROUNDS} gossip rounds
   * whatever gossip has shown: a member that does not answer gossip does not coordinate either.
   */
  private void awaitJoiningKnown(List<Member> owners, long joiningVersion, long untilMs,
      CompletableFuture<Void> done) {
    if (node.clock().nowMs() >= untilMs || everyLiveMemberHolds(joiningVersion)) {
      ask(owners, done);
    } else {
      node.core().schedule(RING_POLL_MS, () -> awaitJoiningKnown(owners, joiningVersion, untilMs, done));
    }
  }

  private boolean everyLiveMemberHolds(long joiningVersion) {
    for (Member m : membership.gossiper().view().members()) {
      if (!m.id().equals(selfId) && !m.status().isGone() && membership.isAlive(m.id())
          && !membership.gossiper().peerHoldsLocalState(m.id(), joiningVersion)) {
        return false;
      }
    }
    return true;
  }

  private void ask(List<Member> owners, CompletableFuture<Void> done) {
    log.info("bootstrap: JOINING, asking {} owners to stream this node's ranges", owners.size());
    // each owner's reply, by owner id; a request or reply lost (a connection torn by a restart) is asked
    // again every ASK_AGAIN_MS: an owner already streaming to this node answers both when done
    Map<String, Endpoint> at = new HashMap<>();
    for (Member owner : owners) {
      at.put(owner.id(), owner.endpoint());
    }
    StreamAsk.ask(node.core(), node.clock(), List.copyOf(at.keySet()),
        (owner, answer) -> StreamAsk.peer(node, at.get(owner), rid -> new StreamRequest(rid, selfId), answer,
            ASK_AGAIN_MS), this::unreachable, ownersToGoWithout(), ASK_AGAIN_MS, STREAM_WAIT_MS)
        .whenComplete((replies, error) -> {
          long keys = 0;
          long failed = 0;
          for (StreamReply r : replies == null ? List.<StreamReply>of() : replies.values()) {
            keys += r.keys();
            failed += r.failed();
          }
          int answered = replies == null ? 0 : replies.size();
          if (answered < owners.size()) {
            List<String> missing = new ArrayList<>(at.keySet());
            if (replies != null) {
              missing.removeAll(replies.keySet());
            }
            java.util.Collections.sort(missing);
            log.warn("bootstrap: no stream from {} of {} owners ({}: down, being removed, or not done in {} ms);"
                + " their copies are on the other replicas, and anti-entropy fills in the rest",
                missing.size(), owners.size(), missing, STREAM_WAIT_MS);
          }
          log.info("bootstrap: received {} objects ({} handovers failed; anti-entropy repairs them)", keys,
              failed);
          up(done);
        });
  }

  /**
   * An owner the joiner may go UP without (after {@link StreamAsk#DOWN_GRACE_MS}): one its failure
   * detector holds down, or one being removed (REMOVE is for dead nodes). Waiting for it would keep the
   * joiner JOINING for the whole {@link #STREAM_WAIT_MS}.
   */
  private boolean unreachable(String owner) {
    return !membership.isAlive(owner) || membership.gossiper().view().get(owner)
        .map(m -> m.status() == MemberStatus.REMOVING).orElse(true);
  }

  /**
   * How many unreachable owners the joiner goes UP without: N minus a majority (1 of N=3, 0 for N of 1 or 2).
   * A write a majority of a key's N owners acknowledged is missing from at most N minus a majority of
   * them, fewer than the majority holding it, so with no more given up an owner that streams here holds it; what only the given-up owner holds reaches the owners
   * by its own cleanup when it comes back, or by anti-entropy. More owners down: the joiner waits for them.
   */
  private int ownersToGoWithout() {
    return replicationFactor - (replicationFactor / 2 + 1);
  }

  private void up(CompletableFuture<Void> done) {
    membership.setLocalStatus(MemberStatus.UP);
    done.complete(null);
  }

  /**
   * An owner's side (from any thread): streams to {@code joiner} what it will own, then answers. A request
   * from a joiner this node is already streaming to is answered when that stream ends.
   */
  void serve(Endpoint joiner, StreamRequest request) {
    node.core().execute(() -> {
      List<Long> waiting = streaming.get(request.joinerId());
      if (waiting != null) {
        waiting.add(request.requestId());
        return;
      }
      List<Long> ids = new ArrayList<>();
      ids.add(request.requestId());
      streaming.put(request.joinerId(), ids);
      awaitJoiner(joiner, request.joinerId(), node.clock().nowMs() + RING_WAIT_MS);
    });
  }

  /**
   * Waits (core timers) for the ring after the joins under way to hold the joiner: its JOINING state comes
   * by gossip, and until it is here the joiner would seem to own nothing.
   */
  private void awaitJoiner(Endpoint joiner, String joinerId, long deadlineMs) {
    Ring future = membership.futureRing();
    if (future.nodeIds().contains(joinerId)) {
      scan(joiner, joinerId, future);
    } else if (node.clock().nowMs() < deadlineMs) {
      node.core().schedule(RING_POLL_MS, () -> awaitJoiner(joiner, joinerId, deadlineMs));
    } else {
      log.warn("stream to {} failed: gossip has not brought its JOINING state here in {} ms", joinerId, RING_WAIT_MS);
      answer(joiner, joinerId, 0, 1);
    }
  }

  private void scan(Endpoint joiner, String joinerId, Ring future) {
    KeyListing.list(node.core(), storageExecutor, storage, k -> future.owners(k, replicationFactor).contains(joinerId),
        (keys, failure) -> {
          if (failure != null) {
            log.warn("stream to {} failed: {}", joinerId, failure.toString());
            answer(joiner, joinerId, 0, 1);
          } else {
            stream(joiner, joinerId, keys);
          }
        });
  }

  private void stream(Endpoint joiner, String joinerId, List<byte[]> keys) {
    log.info("streaming {} keys to joining node {}", keys.size(), joinerId);
    List<Transfer.Item> items = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      items.add(new Transfer.Item(k, List.of(joiner)));
    }
    Progress progress = new Progress("streaming to " + joinerId, keys.size(), node.clock(),
        membership::setLocalActivity);
    Transfer transfer = new Transfer(items, NodeTransfers.config());
    TransferDriver.start(transfer, NodeTransfers.runtime(node, storage, storageExecutor), handed -> {},
        progress::update).whenComplete((f, error) -> {
          progress.close();
          if (error != null) {
            log.warn("stream to {} failed: {}", joinerId, error.toString());
            answer(joiner, joinerId, 0, 1);
          } else {
            answer(joiner, joinerId, f.copiesSent(), f.failed());
          }
        });
  }

  /** Answers every request of {@code joinerId}'s stream (core thread). */
  private void answer(Endpoint joiner, String joinerId, long sent, long failed) {
    List<Long> ids = streaming.remove(joinerId);
    for (long id : ids == null ? List.<Long>of() : ids) {
      node.send(joiner, new StreamReply(id, sent, failed));
    }
  }
}
