package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.VerifyResult;
import io.ringkv.gossip.MemberStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LEAVE on real nodes: the leaving node hands its data over, and the remaining ring holds every key. */
class LeaveTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLeavingNodeHandsEveryKeyToTheRemainingOwners() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient writer = cluster.client(0).blocking();
      for (int i = 0; i < 200; i++) {
        writer.put(b("k" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 2, 0));
      }
      String left = cluster.client(2).blocking().leave();
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
    }
  }
}
