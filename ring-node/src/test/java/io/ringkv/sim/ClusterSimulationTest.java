package io.ringkv.sim;

import io.ringkv.ring.Replica;
import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Scenario tests of replication on a simulated cluster (DESIGN.md testing layer 2). */
class ClusterSimulationTest {
  private final AtomicLong ids = new AtomicLong();

  private static List<String> strings(GetReply r) {
    List<String> out = new ArrayList<>();
    for (byte[] v : r.values()) {
      out.add(new String(v, StandardCharsets.UTF_8));
    }
    out.sort(null);
    return out;
  }

  private GetReply get(SimCluster c, int via, String key, int r) {
    Reply reply = c.await(via, new GetRequest(ids.incrementAndGet(), bytes(key), r, 0));
    return assertInstanceOf(GetReply.class, reply, () -> "GET failed: " + reply + " (seed " + c.sim.seed() + ")");
  }

  private PutRequest put(String key, String value, byte[] context) {
    return new PutRequest(ids.incrementAndGet(), bytes(key), bytes(value), context, 0, 0);
  }

  @Test
  void concurrentWritersKeepEveryAcknowledgedValueAsSiblingsUntilAReadResolvesThem() {
    SimCluster c = new SimCluster(7, 3, RequestSettings.defaults(3));
    assertInstanceOf(PutReply.class, c.await(0, put("k", "v0", null)));
    byte[] ctx = get(c, 1, "k", 2).context();

    // four writers with the same context: two of them through the same coordinator, the case where
    // per-node version vectors lose a write and dotted version vectors must not
    List<SimCluster.Call> calls = List.of(c.call(0, put("k", "a", ctx)), c.call(0, put("k", "b", ctx)),
        c.call(1, put("k", "c", ctx)), c.call(2, put("k", "d", ctx)));
    c.sim.runUntil(() -> calls.stream().allMatch(SimCluster.Call::done), 10_000);
    for (SimCluster.Call call : calls) {
      assertInstanceOf(PutReply.class, call.get());
    }

    GetReply read = get(c, 2, "k", 2);
    assertEquals(List.of("a", "b", "c", "d"), strings(read), "seed " + c.sim.seed());

    PutReply resolved = assertInstanceOf(PutReply.class, c.await(1, put("k", "resolved", read.context())));
    assertTrue(!resolved.created());
    c.sim.runFor(1_000);
    assertEquals(List.of("resolved"), strings(get(c, 0, "k", 3)));
  }

  @Test
  void quorumReadsSeeTheLatestAcknowledgedWriteWhenNoFaultIsActive() {
    for (long seed = 1; seed <= 40; seed++) {
      SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3));
      c.network.setDelay(1, 40);
      byte[] ctx = null;
      for (int i = 0; i < 20; i++) {
        int via = c.sim.random().nextInt(5);
        Reply w = c.await(via, put("key", "v" + i, ctx));
        assertInstanceOf(PutReply.class, w, "seed " + seed);
        GetReply r = get(c, c.sim.random().nextInt(5), "key", 2);
        assertEquals(List.of("v" + i), strings(r), "seed " + seed + " write " + i);
        ctx = r.context();
      }
    }
  }

  @Test
  void replicasConvergeAfterAPartitionHealsAndTheKeyIsRead() {
    SimCluster c = new SimCluster(11, 5, RequestSettings.defaults(3));
    List<SimCluster.SimNode> primaries = c.primaries(bytes("k"));
    SimCluster.SimNode lonely = primaries.get(0);
    var rest = new java.util.HashSet<io.ringkv.gossip.Endpoint>();
    c.nodes.stream().filter(n -> n != lonely).forEach(n -> rest.add(n.endpoint));
    c.network.partition(Set.of(lonely.endpoint), rest);
    c.sim.runFor(15_000); // each side's failure detector convicts the other side
    int other = primaries.get(1).index;
    assertInstanceOf(PutReply.class,
        c.await(lonely.index, new PutRequest(ids.incrementAndGet(), bytes("k"), bytes("lonely"), null, 1, 0)));
    assertInstanceOf(PutReply.class, c.await(other, put("k", "majority", null)));
    c.network.heal();
    c.sim.runFor(15_000); // gossip brings the lonely node back UP everywhere

    GetReply read = get(c, other, "k", 3);
    assertEquals(List.of("lonely", "majority"), strings(read));
    c.sim.runFor(5_000); // read repair completes

    VersionedObject first = primaries.get(0).storage.get(bytes("k"));
    for (SimCluster.SimNode p : primaries) {
      assertEquals(first, p.storage.get(bytes("k")), p.id + " differs (seed 11)");
    }
    assertEquals(2, first.liveSiblings().size());
  }

  @Test
  void aWriteRetriedThroughAnotherCoordinatorIsAppliedOnce() {
    SimCluster c = new SimCluster(5, 3, RequestSettings.defaults(3));
    assertInstanceOf(PutReply.class, c.await(0, put("k", "v0", null)));
    byte[] ctx = get(c, 0, "k", 2).context();
    // the client's first attempt went through n1; once it had reached every replica, the client retries
    // the same write (same id) through n2 and n3: every replica recognises it and applies nothing
    for (int via = 0; via < 3; via++) {
      Reply r = c.await(via, new PutRequest(ids.incrementAndGet(), bytes("k"), bytes("v1"), ctx, 0, 0, 4242));
      assertInstanceOf(PutReply.class, r);
      c.sim.runFor(1_000);
    }
    for (SimCluster.SimNode n : c.nodes) {
      assertEquals(1, n.storage.get(bytes("k")).siblings().size(), n.id + " holds a duplicate");
    }

    // retried at once, before the first attempt reached every replica: another replica may mint it again,
    // but a reader sees the write once and the next write replaces both copies
    ctx = get(c, 0, "k", 3).context();
    for (int via = 0; via < 3; via++) {
      c.call(via, new PutRequest(ids.incrementAndGet(), bytes("k"), bytes("v2"), ctx, 0, 0, 4343));
    }
    c.sim.runFor(1_000);
    GetReply read = get(c, 2, "k", 3);
    assertEquals(List.of("v2"), strings(read));
    assertInstanceOf(PutReply.class, c.await(1, put("k", "v3", read.context())));
    c.sim.runFor(1_000);
    for (SimCluster.SimNode n : c.nodes) {
      assertEquals(1, n.storage.get(bytes("k")).siblings().size(), n.id + " kept a copy of the retried write");
    }
  }

  /**
   * Found by the Jepsen delete workload (a paused node): the coordinator moved minting away from a
   * paused replica, the write was acknowledged and then deleted, and when the replica resumed it
   * minted the stale write as a new version, so the deleted value came back. A replica now refuses to
   * mint after the coordinator's mint deadline.
   */
  @Test
  void aWriteHeldUpAtAPausedMinterIsNotMintedAfterTheCoordinatorMovedOn() {
    SimCluster c = new SimCluster(31, 4, RequestSettings.defaults(3));
    // a key whose coordinator (the one node that is not a replica) sends the mint to a primary
    String key = null;
    SimCluster.SimNode coordinator = null;
    for (int i = 0; key == null; i++) {
      List<SimCluster.SimNode> p = c.primaries(bytes("z" + i));
      for (SimCluster.SimNode n : c.nodes) {
        if (!p.contains(n)) {
          key = "z" + i;
          coordinator = n;
        }
      }
    }
    List<io.ringkv.ring.Replica> targets = coordinator.membership.targets(bytes(key), 3);
    SimCluster.SimNode paused = c.nodes.stream().filter(n -> n.id.equals(targets.get(0).nodeId())).findFirst()
        .orElseThrow();
    c.network.slowDown(paused.endpoint, 5_000); // held, not lost: the mint arrives 5 s late
    Reply w = c.await(coordinator.index, put(key, "doomed", null));
    assertInstanceOf(PutReply.class, w, () -> "write: " + w);
    c.network.heal();
    c.sim.runFor(100);
    GetReply read = get(c, coordinator.index, key, 2);
    assertEquals(List.of("doomed"), strings(read));
    assertInstanceOf(io.ringkv.protocol.ClientMessages.DeleteReply.class, c.await(coordinator.index,
        new io.ringkv.protocol.ClientMessages.DeleteRequest(ids.incrementAndGet(), bytes(key), read.context(), 0, 0)));
    c.sim.runFor(10_000); // the held mint reaches the paused replica
    assertEquals(List.of(), strings(get(c, coordinator.index, key, 3)), "the deleted value came back");
  }

  @Test
  void aQuorumThatCannotBeReachedFailsWithTheCount() {
    SimCluster c = new SimCluster(3, 3, RequestSettings.defaults(3));
    c.kill(1);
    c.kill(2);
    Reply reply = c.await(0, put("k", "v", null));
    ErrorReply e = assertInstanceOf(ErrorReply.class, reply);
    // the coordinator minted it itself: stored on one replica, so the outcome is unknown, not "not stored"
    assertEquals(ErrorCode.INDETERMINATE, e.code());
    assertEquals("1 of 2 required replicas acknowledged; the write may be stored on those replicas and show up in"
        + " later reads", e.message());
    Reply lowered = c.await(0, new PutRequest(ids.incrementAndGet(), bytes("k"), bytes("v"), null, 1, 0));
    assertEquals(1, assertInstanceOf(PutReply.class, lowered).acks());
  }

  @Test
  void tooFewLiveReplicasAreRefusedBeforeAnythingIsStoredWithTheNumbersToDowngradeTo() {
    SimCluster c = new SimCluster(3, 3, RequestSettings.defaults(3));
    c.kill(1);
    c.kill(2);
    c.sim.runFor(30_000); // the survivor's failure detector convicts both
    ErrorReply w = assertInstanceOf(ErrorReply.class, c.await(0, put("k", "v", null)));
    assertEquals(ErrorCode.UNAVAILABLE, w.code());
    assertEquals(2, w.required());
    assertEquals(1, w.alive());
    assertEquals("1 of 2 required replicas reachable for this write (the others are down); nothing was stored",
        w.message());
    ErrorReply r = assertInstanceOf(ErrorReply.class, c.await(0, new io.ringkv.protocol.ClientMessages.GetRequest(
        ids.incrementAndGet(), bytes("k"), 0, 0)));
    assertEquals(ErrorCode.UNAVAILABLE, r.code());
    assertEquals(1, r.alive());
    assertEquals(List.of(), strings(get(c, 0, "k", 1)), "the refused write stored nothing");
    // what a downgrading client does next: the same write at the quorum that is alive
    assertEquals(1, assertInstanceOf(PutReply.class,
        c.await(0, new PutRequest(ids.incrementAndGet(), bytes("k"), bytes("v"), null, 1, 0, 42))).acks());
    assertEquals(List.of("v"), strings(get(c, 0, "k", 1)));
  }

  /**
   * Jepsen's set workload on the simulation: clients add unique numbers to shared keys by
   * read-modify-write with the causal context, under message loss, duplication, reordering,
   * partitions and crashes. Every acknowledged add must survive somewhere in the cluster.
   */
  @Test
  void noAcknowledgedAddIsLostUnderRandomFaults() {
    int acknowledged = 0;
    for (long seed = 100; seed < 112; seed++) {
      acknowledged += runSetWorkload(seed);
    }
    // the faults make some runs sparse; together they must have exercised the store for real
    assertTrue(acknowledged > 12 * 25, "only " + acknowledged + " adds acknowledged in 12 runs");
  }

  private int runSetWorkload(long seed) {
    SimCluster c = new SimCluster(seed, 5, RequestSettings.defaults(3).withTimeouts(500, 150));
    c.network.setDelay(1, 30);
    c.network.setDropRate(0.03);
    c.network.setDuplicateRate(0.03);
    String[] keys = {"s0", "s1"};
    List<Set<Integer>> acked = new ArrayList<>();
    for (int i = 0; i < keys.length; i++) {
      acked.add(new TreeSet<>());
    }
    int[] next = {0};
    long end = c.sim.nowMs() + 20_000;
    // five concurrent clients, each a loop of read, add one element, write back with the context
    for (int client = 0; client < 5; client++) {
      c.sim.after(client, () -> clientStep(c, keys, acked, next, end));
    }
    // the nemesis: every 400 ms heal, isolate a node, or kill or restart one
    for (long t = 400; t < 20_000; t += 400) {
      c.sim.after(t, () -> {
        int fault = c.sim.random().nextInt(4);
        int k = c.sim.random().nextInt(5);
        if (fault == 0) {
          c.network.heal();
          c.network.isolate(c.node(k).endpoint);
        } else if (fault == 1) {
          c.network.heal();
        } else if (fault == 2 && c.node(k).process.alive()) {
          c.kill(k);
        } else if (!c.node(k).process.alive()) {
          c.restart(k);
        }
      });
    }
    c.sim.runFor(21_000);
    c.network.heal();
    c.network.setDropRate(0);
    c.network.setDuplicateRate(0);
    for (int i = 0; i < 5; i++) {
      if (!c.node(i).process.alive()) {
        c.restart(i);
      }
    }
    c.sim.runFor(2_000);
    int total = 0;
    for (int k = 0; k < keys.length; k++) {
      VersionedObject everywhere = VersionedObject.EMPTY;
      for (SimCluster.SimNode n : c.nodes) {
        VersionedObject o = n.storage.get(bytes(keys[k]));
        if (o != null) {
          everywhere = everywhere.merge(o);
        }
      }
      Set<Integer> present = new TreeSet<>();
      everywhere.liveSiblings().forEach(s -> present.addAll(parse(new String(s.value(), StandardCharsets.UTF_8))));
      Set<Integer> lost = new TreeSet<>(acked.get(k));
      lost.removeAll(present);
      assertTrue(lost.isEmpty(), "seed " + seed + " key " + keys[k] + " lost acknowledged adds " + lost);
      total += acked.get(k).size();
    }
    // and a client sees them all: after hinted handoff, a read of every primary (R=N) has every add
    c.sim.runFor(30_000);
    for (int k = 0; k < keys.length; k++) {
      Reply reply = c.await(0, new GetRequest(ids.incrementAndGet(), bytes(keys[k]), 3, 0));
      GetReply r = assertInstanceOf(GetReply.class, reply, () -> "seed " + seed + ": " + reply);
      Set<Integer> read = new TreeSet<>();
      strings(r).forEach(v -> read.addAll(parse(v)));
      Set<Integer> missing = new TreeSet<>(acked.get(k));
      missing.removeAll(read);
      assertTrue(missing.isEmpty(), "seed " + seed + " key " + keys[k] + ": a read at R=N misses " + missing);
    }
    return total;
  }

  private void clientStep(SimCluster c, String[] keys, List<Set<Integer>> acked, int[] next, long end) {
    if (c.sim.nowMs() >= end) {
      return;
    }
    int key = c.sim.random().nextInt(keys.length);
    int via = c.sim.random().nextInt(5);
    if (!c.node(via).process.alive()) {
      c.sim.after(10, () -> clientStep(c, keys, acked, next, end));
      return;
    }
    c.node(via).node.onRequest(new GetRequest(ids.incrementAndGet(), bytes(keys[key]), 0, 0), readReply ->
        c.sim.after(1, () -> {
          if (!(readReply instanceof GetReply r)) {
            c.sim.after(10, () -> clientStep(c, keys, acked, next, end));
            return;
          }
          Set<Integer> union = new TreeSet<>();
          for (String v : strings(r)) {
            union.addAll(parse(v));
          }
          int element = next[0]++;
          union.add(element);
          c.node(via).node.onRequest(put(keys[key], render(union), r.context()), writeReply ->
              c.sim.after(1, () -> {
                if (writeReply instanceof PutReply) {
                  acked.get(key).add(element);
                }
                clientStep(c, keys, acked, next, end);
              }));
        }));
  }

  private static Set<Integer> parse(String v) {
    Set<Integer> out = new TreeSet<>();
    for (String p : v.split(",")) {
      if (!p.isEmpty()) {
        out.add(Integer.parseInt(p));
      }
    }
    return out;
  }

  private static String render(Set<Integer> s) {
    StringBuilder b = new StringBuilder();
    for (int x : s) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(x);
    }
    return b.toString();
  }
}
