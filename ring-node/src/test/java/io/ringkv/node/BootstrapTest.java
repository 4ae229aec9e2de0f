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

  @Test
  void aNodeWhoseBootstrapWasCutShortJoinsAgainOnRestart() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient c = cluster.client(0).blocking();
      for (int i = 0; i < 300; i++) {
        c.put(b("k" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 2, 0));
      }
      // n3 "crashed while JOINING": its store is empty and its unfinished-bootstrap marker is there
      cluster.stop(2);
      Path data = cluster.configs.get(2).dataDir();
      for (String f : new String[] {"objects.dat", "objects.journal", "objects.dirty"}) {
        java.nio.file.Files.deleteIfExists(data.resolve(f));
      }
      java.nio.file.Files.write(data.resolve(ServerNode.BOOTSTRAP_MARKER), new byte[0]);
      cluster.restart(2);
      ServerNode n3 = cluster.nodes.get(2);
      LoopbackCluster.awaitCondition(() -> !java.nio.file.Files.exists(data.resolve(ServerNode.BOOTSTRAP_MARKER)),
          60_000, "the bootstrap finished");
      LoopbackCluster.awaitCondition(cluster::ringComplete, 60_000, "every node sees n3 UP again");
      // UP only after the stream: the moment it says UP, it holds every key it owns again
      Ring ring = cluster.nodes.get(0).membership().ring();
      int owned = 0;
      for (int i = 0; i < 300; i++) {
        if (ring.owners(b("k" + i), 2).contains(n3.id())) {
          owned++;
          assertNotNull(n3.storage().get(b("k" + i)), "the re-bootstrapped node lacks k" + i);
        }
      }
      assertTrue(owned > 100, "n3 owns only " + owned + " of 300 keys");
    }
  }
}
