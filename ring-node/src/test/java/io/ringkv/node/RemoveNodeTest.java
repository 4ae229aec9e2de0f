package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.GetResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvException;
import io.ringkv.client.VerifyResult;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REMOVE on real nodes: refused while the node is alive; once it is down, the survivors re-replicate its
 * ranges before the ring forgets it, so when REMOVE answers every key (values and tombstones) is on its
 * N owners already, without waiting for anti-entropy.
 */
class RemoveNodeTest {
  private static final int KEYS = 300;

  @TempDir
  Path dir;

  @Test
  void aDownNodeIsRemovedOnlyAfterItsRangesAreReReplicated() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 4, 3)) {
      BlockingRingkvClient c = cluster.client(0).blocking();
      RingkvException alive = assertThrows(RingkvException.class, () -> c.removeNode("n4"));
      assertEquals(ErrorCode.BAD_REQUEST, alive.code());
      assertTrue(alive.getMessage().contains("alive"), alive.getMessage());

      for (int i = 0; i < KEYS; i++) {
        c.put(key(i), ("v" + i).getBytes(StandardCharsets.UTF_8), CausalContext.NONE, RequestOptions.DEFAULTS);
      }
      for (int i = 0; i < KEYS; i += 3) { // a third deleted: their tombstones must move as well
        GetResult read = c.get(key(i), RequestOptions.DEFAULTS);
        c.delete(key(i), read.context(), RequestOptions.DEFAULTS);
      }
      LoopbackCluster.awaitCondition(() -> c.verify().underReplicated() == 0, 30_000,
          "every key on its 3 owners before the kill");

      cluster.stop(3);
      LoopbackCluster.awaitCondition(() -> !cluster.nodes.get(0).membership().isAlive("n4"), 30_000,
          "n1 sees n4 down");
      String done = c.removeNode("n4");
      assertTrue(done.startsWith("Removed n4 from the ring: 3 members handed "), done);

      // at once: REMOVE answered after the re-replication, not before (anti-entropy runs every 10 s)
      VerifyResult after = c.verify();
      assertEquals(0, after.underReplicated(), "keys held by fewer than their 3 owners right after REMOVE: " + after);
      assertEquals(0, after.misplaced(), after.toString());
      for (int i = 0; i < KEYS; i++) {
        GetResult read = c.get(key(i), new RequestOptions(3, 0, 5_000));
        assertEquals(i % 3 == 0 ? 0 : 1, read.values().size(), "key " + i + " at R=3");
      }
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(1).membership().ring().nodeCount() == 3
          && cluster.nodes.get(2).membership().ring().nodeCount() == 3, 30_000, "every survivor drops n4 from the ring");
      assertTrue(c.info().nodes().stream().noneMatch(n -> n.id().equals("n4")), "INFO still lists n4");
      assertThrows(RingkvException.class, () -> c.removeNode("n4"), "a REMOVED node cannot be removed again");
    }
  }

  @Test
  void aNodeThatComesBackWhileBeingRemovedStopsTheRemoval() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient c = cluster.client(0).blocking();
      cluster.stop(2);
      LoopbackCluster.awaitCondition(() -> !cluster.nodes.get(0).membership().isAlive("n3"), 30_000,
          "n1 sees n3 down");
      // n2 down as well: the removal waits for it (it may hold copies n1 lacks), and meanwhile n3 returns
      cluster.stop(1);
      LoopbackCluster.awaitCondition(() -> !cluster.nodes.get(0).membership().isAlive("n2"), 30_000,
          "n1 sees n2 down");
      java.util.concurrent.CompletableFuture<String> removal = cluster.clients.get(0).removeNode("n3");
      LoopbackCluster.awaitCondition(() -> status(cluster, "n3") == MemberStatus.REMOVING, 10_000, "n3 REMOVING");
      cluster.restart(2);
      cluster.restart(1);
      java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> removal.get(90, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(failed.getCause().getMessage().contains("the removal stopped"), failed.getCause().getMessage());
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).membership().ring().nodeCount() == 3, 30_000,
          "n3 is an owner again");
    }
  }

  private static MemberStatus status(LoopbackCluster cluster, String id) {
    try {
      return OnCore.call(cluster.nodes.get(0).node(), () -> cluster.nodes.get(0).membership().statusOf(id));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] key(int i) {
    return ("remove-" + i).getBytes(StandardCharsets.UTF_8);
  }
}
