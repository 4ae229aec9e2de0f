package io.ringkv.node;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decommission (LEAVE): the node announces LEAVING (it still serves and owns its ranges), streams every
 * object it stores to the key's owners in the ring without it, and once each of them acknowledged,
 * announces LEFT and lets the process stop. Throttled by {@link Handover} (merges in flight, byte rate);
 * progress (percent, keys, bytes, ETA) is logged and gossiped as the node's activity ({@link Progress}),
 * which the REPL's NODES shows. If any key cannot be handed over, the node goes back to UP and the LEAVE
 * fails with the count: nothing is dropped.
 *
 * <p>Writes that arrive while it streams still reach the leaving node and the other old replicas, and
 * also the key's new owner as a pending replica ({@code ClusterView#pending}), once LEAVING has spread
 * (the stream starts three gossip rounds after the announcement). The new owners are those of
 * {@code Membership#futureRing()}, the ring after every change under way, the same the pending writes
 * use: a dead node being removed at the same time is not handed anything.
 */
final class Decommission {
  private static final Logger log = LoggerFactory.getLogger(Decommission.class);

  private final String selfId;
  private final int replicationFactor;
  private final RingNode node;
  private final Membership membership;
  private final StorageEngine storage;
  private final long gossipIntervalMs;

  Decommission(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
      long gossipIntervalMs) {
    this.selfId = selfId;
    this.replicationFactor = replicationFactor;
    this.node = node;
    this.membership = membership;
    this.storage = storage;
    this.gossipIntervalMs = gossipIntervalMs;
  }

  /** Streams and leaves; blocks the calling (non-core) thread; returns the line to show the operator. */
  String run() throws InterruptedException {
    Ring others = Handover.onCore(node, () -> {
      List<Member> rest = new ArrayList<>();
      for (Member m : membership.gossiper().view().members()) {
        if (!m.id().equals(selfId)) {
          rest.add(m);
        }
      }
      return Ring.of(rest);
    });
    if (others.nodeCount() == 0) {
      throw new IllegalStateException("this is the only node: there is nobody to hand its data to");
    }
    membership.setLocalStatus(MemberStatus.LEAVING);
    // let LEAVING spread first: coordinators that know it send new writes to the new owners too, so a
    // write that lands here after its key was streamed is on the new owner anyway
    Thread.sleep(3 * gossipIntervalMs);
    // the ring after every change under way (this LEAVE, a dead node being removed, a join): the owners the
    // pending writes go to as well; a member being removed is not handed anything it could never take
    Ring without = membership.futureRing();
    if (without.nodeIds().contains(selfId) || without.nodeCount() == 0) {
      membership.setLocalStatus(MemberStatus.UP);
      throw new IllegalStateException("the ring without this node has " + without.nodeCount() + " owners and "
          + (without.nodeIds().contains(selfId) ? "still lists it" : "none to hand its data to")
          + "; the node stays UP (try LEAVE again)");
    }
    List<byte[]> keys = new ArrayList<>();
    storage.forEach((k, o) -> {
      if (!o.siblings().isEmpty()) {
        keys.add(k);
      }
    });
    log.info("leaving: streaming {} keys to the ring without {}", keys.size(), selfId);
    Handover handover = new Handover(node);
    // closed before the status changes below, so the cleared activity travels with the new status
    try (Progress progress = new Progress("leaving", keys.size(), node.clock(), membership::setLocalActivity)) {
      for (int i = 0; i < keys.size(); i++) {
        byte[] key = keys.get(i);
        VersionedObject o = storage.get(key);
        if (o != null && !o.siblings().isEmpty()) {
          for (String owner : without.owners(key, replicationFactor)) {
            Endpoint to = without.endpointOf(owner).orElse(null);
            if (!owner.equals(selfId) && to != null) {
              handover.send(to, key, o);
            }
          }
        }
        progress.update(i + 1, handover.bytes());
      }
      handover.finish();
    }
    if (handover.failed() > 0) {
      membership.setLocalStatus(MemberStatus.UP);
      throw new IllegalStateException(handover.failed() + " of " + (handover.acked() + handover.failed())
          + " handovers were not acknowledged; the node stays UP with its data (try LEAVE again)");
    }
    membership.setLocalStatus(MemberStatus.LEFT);
    Thread.sleep(3 * gossipIntervalMs); // let LEFT spread before the node stops answering gossip
    return "Left the ring: handed " + keys.size() + " keys (" + Progress.bytes(handover.bytes()) + ", "
        + handover.acked() + " copies) to their new owners in " + handover.elapsedSeconds() + " s; the node stops now";
  }
}
