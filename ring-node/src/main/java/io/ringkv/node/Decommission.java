package io.ringkv.node;

import io.ringkv.ring.ClusterView;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.membership.Membership;
import io.ringkv.ring.Ring;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transfer.Transfer;
import io.ringkv.transfer.TransferDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decommission (LEAVE): the node announces LEAVING (it still serves and owns its ranges), streams every
 * object it stores to the key's owners in the ring without it, and once each of them acknowledged,
 * announces LEFT and lets the process stop. The stream is a {@link Transfer} (merges in flight, byte rate)
 * run by the {@link TransferDriver} on the core scheduler; the waits for gossip to spread are core timers,
 * so the whole LEAVE is core events and storage reads, with no thread of its own;
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
  private final Executor storageExecutor;
  private final long gossipIntervalMs;

  Decommission(String selfId, int replicationFactor, RingNode node, Membership membership, StorageEngine storage,
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
   * Starts the LEAVE (from any thread); completes, on the core thread, with the line to show the operator
   * once the node is LEFT, or exceptionally with the reason when it stays UP.
   */
  CompletableFuture<String> start() {
    CompletableFuture<String> done = new CompletableFuture<>();
    node.core().execute(() -> {
      try {
        announce(done);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  private void announce(CompletableFuture<String> done) {
    List<Member> rest = new ArrayList<>();
    for (Member m : membership.gossiper().view().members()) {
      if (!m.id().equals(selfId)) {
        rest.add(m);
      }
    }
    if (Ring.of(rest).nodeCount() == 0) {
      throw new IllegalStateException("this is the only node: there is nobody to hand its data to");
    }
    membership.setLocalStatus(MemberStatus.LEAVING);
    // let LEAVING spread first: coordinators that know it send new writes to the new owners too, so a
    // write that lands here after its key was streamed is on the new owner anyway
    node.core().schedule(3 * gossipIntervalMs, () -> plan(done));
  }

  private void plan(CompletableFuture<String> done) {
    // the ring after every change under way (this LEAVE, a dead node being removed, a join): the owners the
    // pending writes go to as well; a member being removed is not handed anything it could never take
    Ring without = membership.futureRing();
    if (without.nodeIds().contains(selfId) || without.nodeCount() == 0) {
      stayUp(done, "the ring without this node has " + without.nodeCount() + " owners and "
          + (without.nodeIds().contains(selfId) ? "still lists it" : "none to hand its data to")
          + "; the node stays UP (try LEAVE again)");
      return;
    }
    scan(without, done);
  }

  /** Lists the keys this node holds, on the storage executor, then streams them (core thread). */
  private void scan(Ring without, CompletableFuture<String> done) {
    KeyListing.list(node.core(), storageExecutor, storage, k -> true, (keys, failure) -> {
      if (failure != null) {
        stayUp(done, "cannot list this node's keys: " + failure.getMessage() + "; the node stays UP (try LEAVE again)");
      } else {
        stream(without, keys, done);
      }
    });
  }

  private void stream(Ring without, List<byte[]> keys, CompletableFuture<String> done) {
    List<Transfer.Item> items = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      List<Endpoint> to = new ArrayList<>();
      for (String owner : without.owners(key, replicationFactor)) {
        Endpoint e = without.endpointOf(owner).orElse(null);
        if (!owner.equals(selfId) && e != null) {
          to.add(e);
        }
      }
      items.add(new Transfer.Item(key, to));
    }
    log.info("leaving: streaming {} keys to the ring without {}", keys.size(), selfId);
    long startedMs = node.clock().nowMs();
    // closed before the status changes below, so the cleared activity travels with the new status
    Progress progress = new Progress("leaving", keys.size(), node.clock(), membership::setLocalActivity);
    Transfer transfer = new Transfer(items, NodeTransfers.config());
    TransferDriver.start(transfer, NodeTransfers.runtime(node, storage, storageExecutor), handed -> {},
        progress::update).whenComplete((f, error) -> {
          progress.close();
          if (error != null) {
            stayUp(done, "the stream failed: " + error.getMessage() + "; the node stays UP with its data (try LEAVE again)");
          } else if (f.failed() > 0) {
            stayUp(done, f.failed() + " of " + (f.acked() + f.failed())
                + " handovers were not acknowledged; the node stays UP with its data (try LEAVE again)");
          } else {
            membership.setLocalStatus(MemberStatus.LEFT);
            long seconds = Math.max(1, (node.clock().nowMs() - startedMs + 999) / 1000);
            String line = "Left the ring: handed " + keys.size() + " keys (" + Progress.bytes(f.bytes()) + ", "
                + f.acked() + " copies) to their new owners in " + seconds + " s; the node stops now";
            // let LEFT spread before the node stops answering gossip
            node.core().schedule(3 * gossipIntervalMs, () -> done.complete(line));
          }
        });
  }

  private void stayUp(CompletableFuture<String> done, String why) {
    membership.setLocalStatus(MemberStatus.UP);
    done.completeExceptionally(new IllegalStateException(why));
  }
}
