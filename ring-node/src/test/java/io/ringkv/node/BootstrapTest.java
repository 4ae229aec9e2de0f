package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.VerifyResult;
import io.ringkv.ring.Ring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bootstrap on real nodes: a new node is JOINING while the owners stream its ranges to it, then UP. */
class BootstrapTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aJoiningNodeReceivesItsRangesBeforeItOwnsThem() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient c = cluster.client(0).blocking();
      for (int i = 0; i < 300; i++) {
        c.put(b("k" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 2, 0));
      }
      int added = cluster.startNode();
      ServerNode joiner = cluster.nodes.get(added);
      LoopbackCluster.awaitCondition(() -> cluster.nodes.stream().allMatch(n -> n.membership().ring().nodeCount() == 4),
          60_000, "every node sees the fourth node UP in its ring");

      // the moment it owns ranges, it already holds every key of them
      Ring ring = cluster.nodes.get(0).membership().ring();
      int owned = 0;
      for (int i = 0; i < 300; i++) {
        if (ring.owners(b("k" + i), 2).contains(joiner.id())) {
          owned++;
          assertNotNull(joiner.storage().get(b("k" + i)), "the new owner lacks k" + i);
        }
      }
      assertTrue(owned > 50, "the new node owns only " + owned + " of 300 keys");
      VerifyResult v = c.verify();
      assertEquals(0, v.underReplicated(), v.toString());
      assertEquals(300, v.keys(), v.toString());
    }
  }
}
