package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.internode.ReplicaMessages.StreamRequest;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bootstrap of a new node: it joins as JOINING (not an owner: reads keep going to the old owners),
 * asks every owner to stream it the objects it will own once UP, and announces UP when all streams are
 * done. The owners' side ({@link #serve}) pushes those objects through {@link Handover}, its progress
 * gossiped as the owner's activity ("streaming to n4: 42% ...", {@link Progress}). Writes that
 * arrive meanwhile go to the old owners and to the joiner as a pending replica, with one more
 * acknowledgement required ({@code ClusterView#pending}), so the joiner holds them when it goes UP.
 * A marker file ({@link ServerNode#BOOTSTRAP_MARKER}) lives in the data dir until the node is UP: a node
 * that crashed while JOINING comes back JOINING and streams again. Once it is UP, the former owners hand
 * what they no longer own to the owners and drop it ({@link Cleanup}).
 */
final class Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
  /** How long a joiner waits for the cluster's ring to reach it by gossip before it gives up streaming. */
  static final long RING_WAIT_MS = 60_000;
  /** How long a joiner waits for all streams (each is throttled; ten minutes move about 9 GB). */
  static final long STREAM_WAIT_MS = 600_000;
  /** A stream not answered this long is asked for again (an owner already streaming just answers later). */
  static final long ASK_AGAIN_MS = 30_000;

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  /** Joiners this node streams to now, with the request ids to answer when done. */
  private final java.util.Map<String, List<Long>> streaming = new java.util.HashMap<>();

  Bootstrap(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
  }

  /** The joiner's side; blocks its own thread until the node is UP. */
  void join() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RING_WAIT_MS);
    List<Member> owners = List.of();
    while (System.nanoTime() < deadline) {
      owners = Handover.onCore(node, () -> {
        List<Member> up = new ArrayList<>();
        if (membership.gossiper().hasJoined()) {
          for (Member m : membership.gossiper().view().members()) {
            if (!m.id().equals(selfId) && m.status().ownsTokens()) {
              up.add(m);
            }
          }
        }
        return up;
      });
      if (!owners.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    if (owners.isEmpty()) {
      log.info("bootstrap: no owner found through gossip in {} ms; going UP without streaming", RING_WAIT_MS);
    } else {
      // let JOINING spread first: coordinators that know it send new writes here too, so a write that
      // lands on an owner after it streamed that key is here anyway
      Thread.sleep(3 * membership.gossiper().config().gossipIntervalMs());
      log.info("bootstrap: JOINING, asking {} owners to stream this node's ranges", owners.size());
      // each owner's reply, by owner id; a request or reply lost (a connection torn by a restart) is asked
      // again every ASK_AGAIN_MS: an owner already streaming to this node answers both when done
      java.util.Map<String, Endpoint> at = new java.util.HashMap<>();
      for (Member owner : owners) {
        at.put(owner.id(), owner.endpoint());
      }
      java.util.Map<String, StreamReply> replies = StreamAsk.untilAnswered(List.copyOf(at.keySet()),
          (owner, answer) -> StreamAsk.peer(node, at.get(owner), rid -> new StreamRequest(rid, selfId), answer,
              ASK_AGAIN_MS), ASK_AGAIN_MS, STREAM_WAIT_MS);
      long keys = 0;
      long failed = 0;
      for (StreamReply r : replies.values()) {
        keys += r.keys();
        failed += r.failed();
      }
      if (replies.size() < owners.size()) {
        log.warn("bootstrap: {} of {} streams did not finish in {} ms; anti-entropy will fill the rest",
            owners.size() - replies.size(), owners.size(), STREAM_WAIT_MS);
      }
      log.info("bootstrap: received {} objects ({} handovers failed; anti-entropy repairs them)", keys, failed);
    }
    membership.setLocalStatus(MemberStatus.UP);
  }

  /**
   * An owner's side: streams to {@code joiner} what it will own, on a thread of its own, then answers.
   * A request from a joiner this node is already streaming to is answered when that stream ends.
   */
  void serve(Endpoint joiner, StreamRequest request) {
    synchronized (streaming) {
      List<Long> waiting = streaming.get(request.joinerId());
      if (waiting != null) {
        waiting.add(request.requestId());
        return;
      }
      List<Long> ids = new ArrayList<>();
      ids.add(request.requestId());
      streaming.put(request.joinerId(), ids);
    }
    Thread t = new Thread(() -> {
      long sent = 0;
      long refused = 0;
      Handover handover = new Handover(node);
      try {
        // the ring after the joins under way (Membership keeps it for the pending writes); the joiner's
        // JOINING state comes by gossip: until it is here the joiner would seem to own nothing
        Ring ring = membership.futureRing();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RING_WAIT_MS);
        while (!ring.nodeIds().contains(request.joinerId()) && System.nanoTime() < deadline) {
          Thread.sleep(100);
          ring = membership.futureRing();
        }
        if (!ring.nodeIds().contains(request.joinerId())) {
          throw new IllegalStateException("gossip has not brought " + request.joinerId() + "'s JOINING state here in "
              + RING_WAIT_MS + " ms");
        }
        Ring future = ring;
        List<byte[]> keys = new ArrayList<>();
        storage.forEach((k, o) -> {
          if (!o.siblings().isEmpty() && future.owners(k, replicationFactor).contains(request.joinerId())) {
            keys.add(k);
          }
        });
        log.info("streaming {} keys to joining node {}", keys.size(), request.joinerId());
        try (Progress progress = new Progress("streaming to " + request.joinerId(), keys.size(), node.clock(),
            membership::setLocalActivity)) {
          long done = 0;
          for (byte[] k : keys) {
            VersionedObject o = storage.get(k);
            if (o != null && !o.siblings().isEmpty()) {
              handover.send(joiner, k, o);
              sent++;
            }
            progress.update(++done, handover.bytes());
          }
          handover.finish();
        }
      } catch (InterruptedException | RuntimeException e) {
        log.warn("stream to {} failed: {}", request.joinerId(), e.toString());
        refused = 1;
      }
      List<Long> ids;
      synchronized (streaming) {
        ids = streaming.remove(request.joinerId());
      }
      for (long id : ids) {
        node.send(joiner, new StreamReply(id, sent, handover.failed() + refused));
      }
    }, "ringkv-stream-to-" + request.joinerId());
    t.setDaemon(true);
    t.start();
  }
}
