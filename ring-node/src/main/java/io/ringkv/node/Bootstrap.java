package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.protocol.ReplicaMessages.StreamReply;
import io.ringkv.protocol.ReplicaMessages.StreamRequest;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bootstrap of a new node: it joins as JOINING (not an owner: reads and writes keep going to the old
 * owners), asks every owner to stream it the objects it will own once UP, and announces UP when all
 * streams are done. The owners' side ({@link #serve}) pushes those objects through {@link Handover},
 * its progress gossiped as the owner's activity ("streaming to n4: 42% ...", {@link Progress}).
 * Writes that arrive during the stream go to the old owners only; the new owner gets them from those
 * replicas through anti-entropy.
 */
final class Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
  /** How long a joiner waits for the cluster's ring to reach it by gossip before it gives up streaming. */
  static final long RING_WAIT_MS = 60_000;
  /** How long a joiner waits for all streams (each is throttled; ten minutes move about 9 GB). */
  static final long STREAM_WAIT_MS = 600_000;

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;

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
      log.info("bootstrap: JOINING, asking {} owners to stream this node's ranges", owners.size());
      CountDownLatch done = new CountDownLatch(owners.size());
      AtomicLong keys = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      for (Member owner : owners) {
        node.core().execute(() -> node.request(owner.endpoint(), id -> new StreamRequest(id, selfId), (from, reply) -> {
          if (reply instanceof StreamReply r) {
            keys.addAndGet(r.keys());
            failed.addAndGet(r.failed());
          } else {
            failed.incrementAndGet();
          }
          done.countDown();
        }));
      }
      if (!done.await(STREAM_WAIT_MS, TimeUnit.MILLISECONDS)) {
        log.warn("bootstrap: {} of {} streams did not finish in {} ms; anti-entropy will fill the rest",
            done.getCount(), owners.size(), STREAM_WAIT_MS);
      }
      log.info("bootstrap: received {} objects ({} handovers failed; anti-entropy repairs them)", keys.get(),
          failed.get());
    }
    membership.setLocalStatus(MemberStatus.UP);
  }

  /** An owner's side: streams to {@code joiner} what it will own, on a thread of its own, then answers. */
  void serve(Endpoint joiner, StreamRequest request) {
    Thread t = new Thread(() -> {
      long sent = 0;
      Handover handover = new Handover(node);
      try {
        Ring future = Handover.onCore(node, () -> {
          List<Member> members = new ArrayList<>();
          for (Member m : membership.gossiper().view().members()) {
            members.add(m.id().equals(request.joinerId()) ? m.withStatus(MemberStatus.UP) : m);
          }
          return Ring.of(members);
        });
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
      }
      node.send(joiner, new StreamReply(request.requestId(), sent, handover.failed()));
    }, "ringkv-stream-to-" + request.joinerId());
    t.setDaemon(true);
    t.start();
  }
}
