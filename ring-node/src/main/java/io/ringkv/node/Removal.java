package io.ringkv.node;

import io.ringkv.ring.ClusterView;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.internode.ReplicaMessages.RemovalStreamRequest;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.membership.Membership;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REMOVE of a dead node, re-replicating its ranges from the survivors before its tokens pass on (as
 * Cassandra's removenode streams before it drops the node). Without it the key's owner-to-be starts
 * empty, and a read quorum of it and a replica that missed a write or a delete answers with old data
 * (a deleted value seen again) until anti-entropy catches up.
 *
 * <p>The administrator's node ({@link #start}) marks the member REMOVING: it stays an owner (reads and
 * writes of its ranges keep using fallbacks for it), and the ring without it is the future ring, so new
 * writes also reach the owners-to-be ({@code ClusterView#pending}). After three gossip rounds (REMOVING
 * has spread) it waits, up to {@link #SOURCES_WAIT_MS}, for every other member to be up, because a copy
 * only a down member holds would be missing; then it asks every live member, itself included, to stream
 * ({@link #serve}): each hands every object it stores of the removed member's ranges (owned copies and
 * a stand-in's hinted ones alike) to the key's owners-to-be that are not owners now, through
 * a {@link Transfer} (throttled, progress gossiped as the member's activity). When every member answered
 * with every handover acknowledged, the member is marked REMOVED. Otherwise it stays REMOVING (nothing
 * is lost: fallbacks serve its ranges) and REMOVE fails with the reason; running REMOVE again, on any
 * node, resumes. A member that restarts meanwhile comes back with a new generation, which supersedes the
 * REMOVING mark: the removal stops.
 *
 * <p>Both sides are core events, core timers and storage reads (the waits for gossip are core timers, the
 * asks {@link StreamAsk}, the stream a {@link Transfer} run by the {@link TransferDriver}): no thread of
 * their own, no sleep, so the simulator drives a REMOVE like any other core task.
 */
final class Removal {
  private static final Logger log = LoggerFactory.getLogger(Removal.class);
  /** How long the administrator's node waits for down members to come back before it streams without them. */
  static final long SOURCES_WAIT_MS = 60_000;
  /** How often it looks again whether the down members are back. */
  static final long SOURCES_POLL_MS = 500;
  /** How long it waits for all streams (each is throttled; ten minutes move about 9 GB per member). */
  static final long STREAM_WAIT_MS = 600_000;
  /** A stream not answered this long is asked for again (a member already streaming just answers later). */
  static final long ASK_AGAIN_MS = 30_000;
  /** How long a member waits for gossip to bring it the REMOVING mark before it streams nothing. */
  static final long RING_WAIT_MS = 60_000;
  /** How often a member asked to stream looks again for the REMOVING mark. */
  static final long RING_POLL_MS = 100;

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  private final Executor storageExecutor;
  private final long gossipIntervalMs;
  /** Members being removed that this node streams for now, with the requests to answer when done. Core thread. */
  private final Map<String, List<Consumer<StreamReply>>> streaming = new HashMap<>();
  /** Removals this node runs, by member id: a REMOVE repeated meanwhile waits for the same one. Core thread. */
  private final Map<String, CompletableFuture<String>> removals = new HashMap<>();

  Removal(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      Executor storageExecutor, long gossipIntervalMs) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.storageExecutor = storageExecutor;
    this.gossipIntervalMs = gossipIntervalMs;
  }

  /**
   * REMOVE {@code id}, on the core thread: marks it REMOVING and runs the removal as core events;
   * completes with the line to show the operator once it is REMOVED, or fails when the re-replication did
   * not complete (the member then stays REMOVING). A dead JOINING member owns no ranges: it is REMOVED at
   * once. A REMOVE of a member this node is already removing gets the same future.
   *
   * @throws IllegalArgumentException for an unknown id or this node's own
   * @throws IllegalStateException when the member is alive or already gone
   */
  CompletableFuture<String> start(String id) {
    CompletableFuture<String> running = removals.get(id);
    if (running != null) {
      return running;
    }
    if (!membership.startRemoval(id)) {
      return CompletableFuture.completedFuture("Removed " + id + " from the ring: it was JOINING and owned no"
          + " ranges yet, so there was nothing to re-replicate");
    }
    CompletableFuture<String> done = new CompletableFuture<>();
    removals.put(id, done);
    done.whenComplete((line, error) -> {
      membership.setLocalActivity(this, "");
      removals.remove(id, done);
      if (error != null) {
        log.warn("REMOVE {} failed: {}", id, error.getMessage());
      }
    });
    Run run = new Run(id, done);
    log.info("{}: REMOVING; its ranges are re-replicated from the survivors before it leaves the ring", run.label);
    membership.setLocalActivity(this, run.label + ": announcing");
    // let REMOVING spread first: coordinators that know it send new writes to the owners-to-be too, so a
    // write that lands on a survivor after it streamed that key is on the new owner anyway
    node.core().schedule(3 * gossipIntervalMs, () -> run.awaitSources(node.clock().nowMs() + SOURCES_WAIT_MS));
    return done;
  }

  /** One removal on the administrator's node: core events from REMOVING to REMOVED. */
  private final class Run {
    final String id;
    final String label;
    final CompletableFuture<String> done;
    final long startedMs = node.clock().nowMs();

    Run(String id, CompletableFuture<String> done) {
      this.id = id;
      this.label = "removing " + id;
      this.done = done;
    }

    /** Waits (core timers) up to the deadline for every other member to be up: a down one may hold copies. */
    void awaitSources(long deadlineMs) {
      if (!stillRemoving()) {
        return;
      }
      List<Member> alive = new ArrayList<>();
      List<String> down = new ArrayList<>();
      for (Member m : membership.gossiper().view().members()) {
        if (!m.id().equals(id) && !m.status().isGone()) {
          if (membership.isAlive(m.id())) {
            alive.add(m);
          } else {
            down.add(m.id());
          }
        }
      }
      if (!down.isEmpty() && node.clock().nowMs() < deadlineMs) {
        membership.setLocalActivity(Removal.this, label + ": waiting for " + String.join(", ", down)
            + " (down) to come back, it may hold copies the others lack");
        node.core().schedule(SOURCES_POLL_MS, () -> awaitSources(deadlineMs));
        return;
      }
      if (!down.isEmpty()) {
        log.warn("{}: {} still down after {} ms; streaming without them (anti-entropy brings their copies later)",
            label, down, SOURCES_WAIT_MS);
      }
      askAll(alive, down);
    }

    /** Asks every source to stream, again every {@link #ASK_AGAIN_MS} without an answer. */
    void askAll(List<Member> sources, List<String> down) {
      membership.setLocalActivity(Removal.this, label + ": " + sources.size() + " members re-replicate its ranges");
      Map<String, Endpoint> at = new HashMap<>();
      for (Member m : sources) {
        at.put(m.id(), m.endpoint());
      }
      StreamAsk.ask(node.core(), node.clock(), List.copyOf(at.keySet()), (source, answer) -> {
        if (source.equals(selfId)) {
          streamFor(id, answer);
        } else {
          StreamAsk.peer(node, at.get(source), rid -> new RemovalStreamRequest(rid, id), answer, ASK_AGAIN_MS);
        }
      }, source -> false, 0, ASK_AGAIN_MS, STREAM_WAIT_MS).whenComplete((replies, error) -> {
        // every survivor must answer before the member is REMOVED: none is given up
        if (error != null) {
          done.completeExceptionally(error);
        } else {
          finish(sources, down, replies);
        }
      });
    }

    void finish(List<Member> sources, List<String> down, Map<String, StreamReply> replies) {
      long keys = 0;
      long failed = 0;
      for (StreamReply r : replies.values()) {
        keys += r.keys();
        failed += r.failed();
      }
      List<String> unanswered = new ArrayList<>();
      for (Member m : sources) {
        if (!replies.containsKey(m.id())) {
          unanswered.add(m.id());
        }
      }
      if (!unanswered.isEmpty() || failed > 0) {
        done.completeExceptionally(new IllegalStateException("the re-replication of " + id + "'s ranges did not"
            + " complete (" + (unanswered.isEmpty() ? "" : "no answer from " + String.join(", ", unanswered) + "; ")
            + failed + " handovers not acknowledged); " + id + " stays REMOVING, its ranges served by fallbacks:"
            + " run REMOVE " + id + " again"));
        return;
      }
      if (!stillRemoving()) {
        return;
      }
      membership.removeMember(id);
      long seconds = Math.max(1, (node.clock().nowMs() - startedMs + 999) / 1000);
      String line = "Removed " + id + " from the ring: " + sources.size() + " members handed " + keys
          + " objects of its ranges to their new owners in " + seconds + " s"
          + (down.isEmpty() ? "" : "; " + String.join(", ", down) + " were down, their copies reach the new owners"
              + " by anti-entropy");
      log.info(line);
      done.complete(line);
    }

    /** False (and the removal failed) when the member is no longer REMOVING: it came back, or was removed. */
    boolean stillRemoving() {
      MemberStatus now = membership.statusOf(id);
      if (now != MemberStatus.REMOVING) {
        done.completeExceptionally(new IllegalStateException(id + " is " + now + " now (it came back or was"
            + " removed meanwhile): the removal stopped"));
        return false;
      }
      return true;
    }
  }

  /** A member's side (from any thread): streams its copies of {@code request.removedId()}'s ranges, then answers. */
  void serve(Endpoint from, RemovalStreamRequest request) {
    node.core().execute(() -> streamFor(request.removedId(),
        reply -> node.send(from, new StreamReply(request.requestId(), reply.keys(), reply.failed()))));
  }

  /** Core thread: joins the stream for {@code removedId} under way, or starts one. */
  private void streamFor(String removedId, Consumer<StreamReply> answer) {
    List<Consumer<StreamReply>> waiting = streaming.get(removedId);
    if (waiting != null) {
      waiting.add(answer);
      return;
    }
    List<Consumer<StreamReply>> first = new ArrayList<>();
    first.add(answer);
    streaming.put(removedId, first);
    awaitRemoving(removedId, node.clock().nowMs() + RING_WAIT_MS);
  }

  /** The REMOVING mark comes by gossip: until it is here the member is still an owner in the future ring too. */
  private void awaitRemoving(String removedId, long deadlineMs) {
    if (membership.statusOf(removedId) != MemberStatus.REMOVING && node.clock().nowMs() < deadlineMs) {
      node.core().schedule(RING_POLL_MS, () -> awaitRemoving(removedId, deadlineMs));
      return;
    }
    Ring current = membership.ring();
    Ring future = membership.futureRing();
    if (!current.nodeIds().contains(removedId) || future.nodeIds().contains(removedId)) {
      log.info("re-replication of {}'s ranges: it is not REMOVING here; nothing to stream", removedId);
      answer(removedId, 0, 0);
      return;
    }
    scan(removedId, current, future);
  }

  /** Lists the keys of the removed member's ranges stored here, on the storage executor. */
  private void scan(String removedId, Ring current, Ring future) {
    KeyListing.list(node.core(), storageExecutor, storage, k -> current.owners(k, replicationFactor).contains(removedId),
        (keys, failure) -> {
          if (failure != null) {
            log.warn("re-replication of {}'s ranges failed: {}", removedId, failure.toString());
            answer(removedId, 0, 1);
          } else {
            stream(removedId, current, future, keys);
          }
        });
  }

  /** Each key goes to its owners-to-be that are not owners now (this node aside). */
  private void stream(String removedId, Ring current, Ring future, List<byte[]> keys) {
    log.info("re-replicating {}'s ranges: {} keys here", removedId, keys.size());
    List<Transfer.Item> items = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      List<String> owners = current.owners(k, replicationFactor);
      List<Endpoint> to = new ArrayList<>();
      for (String t : future.owners(k, replicationFactor)) {
        Endpoint e = future.endpointOf(t).orElse(null);
        if (!owners.contains(t) && !t.equals(selfId) && e != null) {
          to.add(e);
        }
      }
      items.add(new Transfer.Item(k, to));
    }
    Progress progress = new Progress("re-replicating " + removedId + "'s ranges", keys.size(), node.clock(),
        membership::setLocalActivity);
    TransferDriver.start(new Transfer(items, NodeTransfers.config()),
        NodeTransfers.runtime(node, storage, storageExecutor), handed -> {}, progress::update)
        .whenComplete((f, error) -> {
          progress.close();
          if (error != null) {
            log.warn("re-replication of {}'s ranges failed: {}", removedId, error.toString());
            answer(removedId, 0, 1);
          } else {
            answer(removedId, f.copiesSent(), f.failed());
          }
        });
  }

  /** Answers every request for {@code removedId}'s stream (core thread). */
  private void answer(String removedId, long sent, long failed) {
    List<Consumer<StreamReply>> waiting = streaming.remove(removedId);
    for (Consumer<StreamReply> a : waiting == null ? List.<Consumer<StreamReply>>of() : waiting) {
      a.accept(new StreamReply(0, sent, failed));
    }
  }
}
