package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.GetResult;
import io.ringkv.client.PutResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.ring.Ring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real three-node cluster on loopback: Netty, Chronicle Map files, gossip with real threads. One
 * instance per class, so that {@link LoopbackClusterSecureTest} runs the same scenario on a cluster of
 * its own ({@link #newCluster}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoopbackClusterTest {
  @TempDir
  static Path dir;
  static LoopbackCluster cluster;

  @BeforeAll
  void start() throws Exception {
    cluster = newCluster();
  }

  LoopbackCluster newCluster() throws Exception {
    return new LoopbackCluster(dir, 3, 2);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(GetResult r) {
    List<String> out = new ArrayList<>();
    r.values().forEach(v -> out.add(new String(v, StandardCharsets.UTF_8)));
    out.sort(null);
    return out;
  }

  @Test
  void aValueWrittenThroughOneNodeIsReadThroughAnother() {
    BlockingRingkvClient n1 = cluster.client(0).blocking();
    BlockingRingkvClient n3 = cluster.client(2).blocking();
    PutResult put = n1.set(b("0d5d3807-5fbf-4228-a657-5a091c4e497f"), b("{\"name\": \"comb\"}"), RequestOptions.DEFAULTS);
    assertTrue(put.created());
    assertEquals(2, put.acks());
    assertEquals(List.of("{\"name\": \"comb\"}"), strings(n3.get(b("0d5d3807-5fbf-4228-a657-5a091c4e497f"),
        RequestOptions.DEFAULTS)));
    PutResult again = n3.set(b("0d5d3807-5fbf-4228-a657-5a091c4e497f"), b("v2"), RequestOptions.DEFAULTS);
    assertFalse(again.created());
    assertEquals(List.of("v2"), strings(n1.get(b("0d5d3807-5fbf-4228-a657-5a091c4e497f"), RequestOptions.DEFAULTS)));
  }

  @Test
  void everyKeyIsStoredOnExactlyNNodes() {
    BlockingRingkvClient c = cluster.client(1).blocking();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add("key-" + i);
      c.put(b("key-" + i), b("v" + i), CausalContext.NONE, new RequestOptions(0, 2, 0));
    }
    Ring ring = cluster.nodes.get(0).membership().ring();
    for (String k : keys) {
      Set<String> holders = new HashSet<>();
      for (ServerNode n : cluster.nodes) {
        if (n.storage().get(b(k)) != null) {
          holders.add(n.id());
        }
      }
      assertEquals(new HashSet<>(ring.owners(b(k), 2)), holders, "holders of " + k);
    }
  }

  @Test
  void concurrentBlindWritesThroughDifferentNodesBecomeSiblingsAndASetResolvesThem() throws Exception {
    List<RingkvClient> clients = List.of(cluster.client(0), cluster.client(1), cluster.client(2));
    List<CompletableFuture<PutResult>> writes = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      writes.add(clients.get(i).put(b("contended"), b("w" + i), CausalContext.NONE, RequestOptions.DEFAULTS));
    }
    for (CompletableFuture<PutResult> w : writes) {
      w.get();
    }
    GetResult read = clients.get(0).blocking().get(b("contended"), RequestOptions.DEFAULTS);
    assertEquals(List.of("w0", "w1", "w2"), strings(read));
    clients.get(1).blocking().put(b("contended"), b("merged"), read.context(), RequestOptions.DEFAULTS);
    assertEquals(List.of("merged"), strings(clients.get(2).blocking().get(b("contended"), new RequestOptions(2, 0, 0))));
  }

  @Test
  void infoListsEveryNodeAndWarnsOnlyWhenTheClusterIsSmallerThanN() {
    ClusterInfo info = cluster.client(2).blocking().info();
    assertEquals(3, info.nodes().size());
    assertEquals(2, info.replicationFactor());
    assertTrue(info.warnings().isEmpty(), info.warnings().toString());
    for (ClusterInfo.Node n : info.nodes()) {
      assertEquals("UP", n.status());
    }
  }

  @Test
  void whereShowsWhatEachReplicaHolds() {
    BlockingRingkvClient c = cluster.client(0).blocking();
    c.set(b("where-me"), b("here"), RequestOptions.DEFAULTS);
    List<ClusterInfo.ReplicaState> where = c.where(b("where-me"));
    assertEquals(2, where.size());
    for (ClusterInfo.ReplicaState s : where) {
      assertTrue(s.answered());
      assertEquals(1, s.values().size());
      assertEquals("here", new String(s.values().get(0), StandardCharsets.UTF_8));
    }
  }

  @Test
  void verifyFindsEveryKeyOnItsOwnersAndFlagsAKeyHeldElsewhere() {
    BlockingRingkvClient c = cluster.client(0).blocking();
    for (int i = 0; i < 50; i++) {
      c.put(b("verify-" + i), b("v"), CausalContext.NONE, new RequestOptions(0, 2, 0));
    }
    io.ringkv.client.VerifyResult clean = c.verify();
    assertTrue(clean.clean(), clean.toString());
    assertTrue(clean.keys() >= 50, clean.toString());

    // a key written straight into the store of a node that does not own it
    Ring ring = cluster.nodes.get(0).membership().ring();
    String stray = null;
    ServerNode nonOwner = null;
    for (int i = 0; stray == null; i++) {
      for (ServerNode n : cluster.nodes) {
        if (!ring.owners(b("stray-" + i), 2).contains(n.id())) {
          stray = "stray-" + i;
          nonOwner = n;
        }
      }
    }
    nonOwner.storage().write(b(stray), io.ringkv.storage.causality.VersionVector.EMPTY, b("lost"), nonOwner.id(), 1);
    io.ringkv.client.VerifyResult found = c.verify();
    assertEquals(clean.keys() + 1, found.keys(), found.toString());
    assertEquals(1, found.underReplicated(), found.toString());
    assertEquals(1, found.misplaced(), found.toString());
  }
}
