package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.internode.ReplicaMessages.RemovalStreamRequest;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * {@link Handover} (throttled, progress gossiped as the member's activity). When every member answered
 * with every handover acknowledged, the member is marked REMOVED. Otherwise it stays REMOVING (nothing
 * is lost: fallbacks serve its ranges) and REMOVE fails with the reason; running REMOVE again, on any
 * node, resumes. A member that restarts meanwhile comes back with a new generation, which supersedes the
 * REMOVING mark: the removal stops.
 */
final class Removal {
  private static final Logger log = LoggerFactory.getLogger(Removal.class);
  /** How long the administrator's node waits for down members to come back before it streams without them. */
  static final long SOURCES_WAIT_MS = 60_000;
  /** How long it waits for all streams (each is throttled; ten minutes move about 9 GB per member). */
  static final long STREAM_WAIT_MS = 600_000;
  /** A stream not answered this long is asked for again (a member already streaming just answers later). */
  static final long ASK_AGAIN_MS = 30_000;
  /** How long a member waits for gossip to bring it the REMOVING mark before it streams nothing. */
  static final long RING_WAIT_MS = 60_000;

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  private final long gossipIntervalMs;
  /** Members being removed that this node streams for now, with the requests to answer when done. */
  private final Map<String, List<RequestFrom>> streaming = new HashMap<>();
  /** Removals this node runs, by member id: a REMOVE repeated meanwhile waits for the same one. Core thread. */
  private final Map<String, CompletableFuture<String>> removals = new HashMap<>();

  /** Who asked for a stream: a peer ({@code from}, {@code requestId}), or this node's own run ({@code local}). */
  private record RequestFrom(Endpoint from, long requestId, java.util.function.Consumer<StreamReply> local) {}

  Removal(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      long gossipIntervalMs) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.gossipIntervalMs = gossipIntervalMs;
  }

  /**
   * REMOVE {@code id}, on the core thread: marks it REMOVING and runs the removal on a thread of its own;
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
    done.whenComplete((line, error) -> node.core().execute(() -> removals.remove(id, done)));
    Thread t = new Thread(() -> {
      try {
        done.complete(run(id));
      } catch (InterruptedException | RuntimeException e) {
        log.warn("REMOVE {} failed: {}", id, e.getMessage());
        done.completeExceptionally(e);
      }
    }, "ringkv-remove-" + id);
    t.setDaemon(true);
    t.start();
    return done;
  }

  /** The removal of {@code id}, already REMOVING; blocks its own thread until it is REMOVED. */
  private String run(String id) throws InterruptedException {
    long started = System.nanoTime();
    String label = "removing " + id;
    log.info("{}: REMOVING; its ranges are re-replicated from the survivors before it leaves the ring", label);
    membership.setLocalActivity(this, label + ": announcing");
    try {
      // let REMOVING spread first: coordinators that know it send new writes to the owners-to-be too, so a
      // write that lands on a survivor after it streamed that key is on the new owner anyway
      Thread.sleep(3 * gossipIntervalMs);
      List<Member> sources = List.of();
      List<String> down = List.of();
      long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOURCES_WAIT_MS);
      while (true) {
        List<Member> alive = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        Handover.onCore(node, () -> {
          for (Member m : membership.gossiper().view().members()) {
            if (!m.id().equals(id) && !m.status().isGone()) {
              if (membership.isAlive(m.id())) {
                alive.add(m);
              } else {
                dead.add(m.id());
              }
            }
          }
          return null;
        });
        sources = alive;
        down = dead;
        checkStillRemoving(id);
        if (down.isEmpty() || System.nanoTime() > waitUntil) {
          break;
        }
        membership.setLocalActivity(this, label + ": waiting for " + String.join(", ", down)
            + " (down) to come back, it may hold copies the others lack");
        Thread.sleep(500);
      }
      if (!down.isEmpty()) {
        log.warn("{}: {} still down after {} ms; streaming without them (anti-entropy brings their copies later)",
            label, down, SOURCES_WAIT_MS);
      }
      membership.setLocalActivity(this, label + ": " + sources.size() + " members re-replicate its ranges");
      Map<String, StreamReply> replies = askAll(id, sources);
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
        throw new IllegalStateException("the re-replication of " + id + "'s ranges did not complete ("
            + (unanswered.isEmpty() ? "" : "no answer from " + String.join(", ", unanswered) + "; ")
            + failed + " handovers not acknowledged); " + id + " stays REMOVING, its ranges served by fallbacks:"
            + " run REMOVE " + id + " again");
      }
      checkStillRemoving(id);
      Handover.onCore(node, () -> {
        membership.removeMember(id);
        return null;
      });
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
      String line = "Removed " + id + " from the ring: " + sources.size() + " members handed " + keys
          + " objects of its ranges to their new owners in " + seconds + " s"
          + (down.isEmpty() ? "" : "; " + String.join(", ", down) + " were down, their copies reach the new owners"
              + " by anti-entropy");
      log.info(line);
      return line;
    } finally {
      membership.setLocalActivity(this, "");
    }
  }

  private void checkStillRemoving(String id) throws InterruptedException {
    MemberStatus now = Handover.onCore(node, () -> membership.statusOf(id));
    if (now != MemberStatus.REMOVING) {
      throw new IllegalStateException(id + " is " + now + " now (it came back or was removed meanwhile): the"
          + " removal stopped");
    }
  }

  /** Asks every source to stream, again every {@link #ASK_AGAIN_MS} without an answer; the answers by member id. */
  private Map<String, StreamReply> askAll(String id, List<Member> sources) throws InterruptedException {
    Map<String, Endpoint> at = new HashMap<>();
    for (Member m : sources) {
      at.put(m.id(), m.endpoint());
    }
    return StreamAsk.untilAnswered(node, List.copyOf(at.keySet()), (source, answer) -> {
      if (source.equals(selfId)) {
        streamFor(id, new RequestFrom(null, 0, answer));
      } else {
        StreamAsk.peer(node, at.get(source), rid -> new RemovalStreamRequest(rid, id), answer, ASK_AGAIN_MS);
      }
    }, ASK_AGAIN_MS, STREAM_WAIT_MS);
  }

  /** A member's side: streams its copies of {@code request.removedId()}'s ranges on a thread of its own, then answers. */
  void serve(Endpoint from, RemovalStreamRequest request) {
    streamFor(request.removedId(), new RequestFrom(from, request.requestId(), null));
  }

  private void streamFor(String removedId, RequestFrom requester) {
    synchronized (streaming) {
      List<RequestFrom> waiting = streaming.get(removedId);
      if (waiting != null) {
        waiting.add(requester);
        return;
      }
      List<RequestFrom> first = new ArrayList<>();
      first.add(requester);
      streaming.put(removedId, first);
    }
    Thread t = new Thread(() -> {
      long sent = 0;
      long refused = 0;
      Handover handover = new Handover(node);
      try {
        sent = stream(removedId, handover);
      } catch (InterruptedException | RuntimeException e) {
        log.warn("re-replication of {}'s ranges failed: {}", removedId, e.toString());
        refused = 1;
      }
      List<RequestFrom> answer;
      synchronized (streaming) {
        answer = streaming.remove(removedId);
      }
      for (RequestFrom r : answer) {
        StreamReply reply = new StreamReply(r.requestId(), sent, handover.failed() + refused);
        if (r.local() != null) {
          r.local().accept(reply);
        } else {
          node.send(r.from(), reply);
        }
      }
    }, "ringkv-restream-" + removedId);
    t.setDaemon(true);
    t.start();
  }

  private long stream(String removedId, Handover handover) throws InterruptedException {
    // the REMOVING mark comes by gossip: until it is here the member is still an owner in the future ring too
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RING_WAIT_MS);
    while (Handover.onCore(node, () -> membership.statusOf(removedId)) != MemberStatus.REMOVING
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Ring current = membership.ring();
    Ring future = membership.futureRing();
    if (!current.nodeIds().contains(removedId) || future.nodeIds().contains(removedId)) {
      log.info("re-replication of {}'s ranges: it is not REMOVING here; nothing to stream", removedId);
      return 0;
    }
    List<byte[]> keys = new ArrayList<>();
    storage.forEach((k, o) -> {
      if (!o.siblings().isEmpty() && current.owners(k, replicationFactor).contains(removedId)) {
        keys.add(k);
      }
    });
    log.info("re-replicating {}'s ranges: {} keys here", removedId, keys.size());
    long sent = 0;
    try (Progress progress = new Progress("re-replicating " + removedId + "'s ranges", keys.size(), node.clock(),
        membership::setLocalActivity)) {
      long done = 0;
      for (byte[] k : keys) {
        VersionedObject o = storage.get(k);
        if (o != null && !o.siblings().isEmpty()) {
          List<String> owners = current.owners(k, replicationFactor);
          for (String to : future.owners(k, replicationFactor)) {
            Endpoint at = future.endpointOf(to).orElse(null);
            if (!owners.contains(to) && !to.equals(selfId) && at != null) {
              handover.send(at, k, o);
              sent++;
            }
          }
        }
        progress.update(++done, handover.bytes());
      }
      handover.finish();
    }
    return sent;
  }
}
