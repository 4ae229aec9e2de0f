package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.protocol.ErrorCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** REMOVE on real nodes: refused while the node is alive; once it is down, the ring forgets it everywhere. */
class RemoveNodeTest {
  @TempDir
  Path dir;

  @Test
  void aDownNodeIsRemovedFromTheRingAndAnAliveOneIsNot() throws Exception {
    try (LoopbackCluster cluster = new LoopbackCluster(dir, 3, 2)) {
      BlockingRingkvClient c = cluster.client(0).blocking();
      RingkvException alive = assertThrows(RingkvException.class, () -> c.removeNode("n3"));
      assertEquals(ErrorCode.BAD_REQUEST, alive.code());
      assertTrue(alive.getMessage().contains("alive"), alive.getMessage());

      cluster.stop(2);
      LoopbackCluster.awaitCondition(() -> !cluster.nodes.get(0).membership().isAlive("n3"), 30_000,
          "n1 sees n3 down");
      String done = c.removeNode("n3");
      assertTrue(done.startsWith("Removed n3"), done);
      LoopbackCluster.awaitCondition(() -> cluster.nodes.get(0).membership().ring().nodeCount() == 2
          && cluster.nodes.get(1).membership().ring().nodeCount() == 2, 30_000, "both survivors drop n3 from the ring");
      assertTrue(c.info().nodes().stream().noneMatch(n -> n.id().equals("n3")), "INFO still lists n3");
    }
  }
}
