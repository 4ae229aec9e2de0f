package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.VerifyResult;
import io.ringkv.gossip.MemberStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LEAVE on real nodes: the leaving node hands its data over, the remaining ring holds every key, and
 * the stream's progress shows in the other nodes' INFO (the REPL's NODES) while it runs.
 */
class LeaveTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLeaveWhileADeadNodeIsBeingRemovedHandsNothingToTheDeadNode() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 4, 3)) {
      BlockingRingkvClient writer = cluster.client(0).blocking();
      for (int i = 0; i < 100; i++) {
        writer.put(b("k" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 3, 0));
      }
      cluster.stop(3);
      LoopbackCluster.awaitCondition(() -> !cluster.nodes.get(0).membership().isAlive("n4")
          && !cluster.nodes.get(2).membership().isAlive("n4"), 30_000, "n1 and n3 see n4 down");
      // n4 REMOVING (as while a REMOVE re-replicates it): still an owner now, not in the ring after the change
      OnCore.call(cluster.nodes.get(0).node(), () -> {
        cluster.nodes.get(0).membership().markRemoving("n4");
        return null;
      });
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(2).membership().futureRing().nodeCount() == 3, 30_000,
          "n3 learns that n4 is being removed");
      // n3 leaves meanwhile: its keys go to n1 and n2, the owners once both changes are done, not to the dead n4
      // (whose handovers would never be acknowledged, failing the LEAVE)
      String left = cluster.client(2).blocking().leave("n3");
      assertTrue(left.startsWith("Left the ring"), left);
      cluster.stop(2);
      for (int i = 0; i < 100; i++) {
        for (int n = 0; n < 2; n++) {
          io.ringkv.storage.causality.VersionedObject o = cluster.nodes.get(n).storage().get(b("k" + i));
          assertTrue(o != null && !o.liveSiblings().isEmpty(), "n" + (n + 1) + " lacks k" + i);
        }
      }
    }
  }

  @Test
  void aLeavingNodeHandsEveryKeyToTheRemainingOwners() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient writer = cluster.client(0).blocking();
      for (int i = 0; i < 200; i++) {
        writer.put(b("k" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 2, 0));
      }
      // a LEAVE meant for another node (the client failed over) is refused, and nothing leaves
      java.util.concurrent.ExecutionException wrong = org.junit.jupiter.api.Assertions.assertThrows(
          java.util.concurrent.ExecutionException.class, () -> cluster.client(0).leave("n3").get(30, TimeUnit.SECONDS));
      assertTrue(wrong.getCause().getMessage().contains("this is n1, not n3"), wrong.getCause().getMessage());
      assertEquals(MemberStatus.UP, cluster.nodes.get(0).membership().gossiper().localMember().status());

      // a restart first: the departed n3's state then has a later generation than its first start
      cluster.stop(2);
      cluster.restart(2);
      LoopbackCluster.awaitCondition(cluster::ringComplete, 30_000, "n3 is back");
      String left = cluster.client(2).blocking().leave("n3");
      assertTrue(left.startsWith("Left the ring"), left);
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).membership().ring().nodeCount() == 2
          && cluster.nodes.get(1).membership().ring().nodeCount() == 2, 30_000, "the others drop n3 from the ring");
      assertEquals(MemberStatus.LEFT,
          cluster.nodes.get(0).membership().gossiper().view().get("n3").orElseThrow().status());
      cluster.stop(2);

      // every key is on its two owners, n1 and n2, without any repair having run
      VerifyResult verify = writer.verify();
      assertEquals(0, verify.underReplicated(), verify.toString());
      assertEquals(200, verify.keys(), verify.toString());
      for (int i = 0; i < 200; i++) {
        assertEquals(1, writer.get(b("k" + i), new RequestOptions(2, 0, 0)).values().size(), "k" + i);
      }

      // the same id can come back as a new node (wiped data dir): its generation outranks the LEFT state
      int again = cluster.startNode("n3", dir.resolve("n3-again"));
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).membership().ring().nodeCount() == 3
              && cluster.nodes.get(1).membership().ring().nodeCount() == 3
              && cluster.nodes.get(again).membership().ring().nodeCount() == 3,
          30_000, "every node has the new n3 UP in its ring");
      VerifyResult after = writer.verify();
      assertEquals(0, after.underReplicated(), after.toString());
    }
  }

  @Test
  void aLeavingNodesProgressShowsInAnotherNodesInfoWhileItStreamsAndIsClearedAfterwards() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient writer = cluster.client(0).blocking();
      byte[] value = b("v".repeat(200));
      for (int i = 0; i < 300; i++) {
        writer.put(b("k" + i), value, CausalContext.NONE, new RequestOptions(0, 2, 0));
      }
      // n3 holds ~200 of the keys, and hands each to two owners (~80 KB): at 16 KiB/s its stream takes
      // ~5 s, long enough to watch (the stream reads the rate when it starts)
      NodeTransfers.bytesPerSecond = 16 << 10;
      CompletableFuture<String> leaving;
      try {
        leaving = cluster.client(2).leave();
        String[] seen = {null};
        LoopbackCluster.awaitCondition(() -> {
          Optional<ClusterInfo.Node> n3 = writer.info().nodes().stream().filter(n -> n.id().equals("n3")).findFirst();
          if (n3.isPresent() && n3.get().activity().matches("leaving: [1-9][0-9]?% \\(.*")) {
            seen[0] = n3.get().status() + " " + n3.get().activity();
          }
          return seen[0] != null;
        }, 20_000, "n1's INFO shows n3's progress past 0% and before 100%");
        assertTrue(seen[0].matches("LEAVING leaving: \\d+% \\([\\d,]+ of [\\d,]+ keys, [\\d.]+ (B|KiB)\\), ETA \\d+ s"),
            seen[0]);
      } finally {
        NodeTransfers.bytesPerSecond = io.ringkv.transfer.TransferConfig.DEFAULTS.bytesPerSecond();
      }
      String left = leaving.get(60, TimeUnit.SECONDS);
      assertTrue(left.startsWith("Left the ring"), left);
      // the cleared activity went out with LEFT, and LEFT reached n1 before n3 stopped
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).membership().gossiper().view().get("n3")
          .orElseThrow().status() == MemberStatus.LEFT, 10_000, "n1 sees n3 LEFT");
      assertEquals("", cluster.nodes.get(0).membership().gossiper().view().get("n3").orElseThrow().activity());
      assertTrue(writer.info().nodes().stream().allMatch(n -> n.activity().isEmpty()), writer.info().toString());
    }
  }
}
