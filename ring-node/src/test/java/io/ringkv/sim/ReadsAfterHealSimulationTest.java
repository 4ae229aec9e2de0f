package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The Jepsen delete workload's failure after a pause or a heal (issue 16, item 4), on the simulated
 * cluster with real gossip: 5 nodes, N=3, R=W=2. One or two of a key's three owners are paused
 * (SIGSTOP: they do not know it) or partitioned away; once every other node has convicted them, a
 * delete of the key is sent to a node on the live side. With Dynamo's sloppy quorum the delete is
 * acknowledged by the one live owner and a stand-in that keeps a hint; right after the resume or
 * the heal, before the stand-in delivers the hint, a read coordinated by an owner that missed the
 * delete gets its R answers from the two owners that missed it and returns the deleted value (the
 * Jepsen run on main read key 1 back 3 s after a halves partition healed).
 *
 * <p>The checked property is the Jepsen resurrection checker's: once a delete is acknowledged, no
 * read that begins later returns a value the delete had seen.
 */
class ReadsAfterHealSimulationTest {
  private static final int SEEDS = 40;
  private final AtomicLong ids = new AtomicLong();

  private record Outcome(boolean deleteAcknowledged, boolean staleRead, String description) {}

  private static List<String> strings(GetReply r) {
    List<String> out = new ArrayList<>();
    for (byte[] v : r.values()) {
      out.add(new String(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  /**
   * Seed 002's last node: three nodes, N=2, both owners of a key killed. A strict write is refused
   * before anything is stored, naming the one replica still reachable (a stand-in); the client's
   * downgraded retry asks for a sloppy quorum and lands on the stand-in, and a sloppy read finds it.
   */
  @Test
  void aDowngradedRetryIsASloppyQuorumSoTheLastNodeAnswersWhenEveryOwnerIsDown() {
    SimCluster c = new SimCluster(3, 3, RequestSettings.defaults(2));
    String key = "last-node";
    List<SimCluster.SimNode> owners = c.primaries(bytes(key));
    SimCluster.SimNode last = c.nodes.stream().filter(n -> !owners.contains(n)).findFirst().orElseThrow();
    owners.forEach(n -> c.kill(n.index));
    c.sim.runFor(15_000); // the last node convicts both
    ErrorReply strict = assertInstanceOf(ErrorReply.class, c.await(last.index, new PutRequest(ids.incrementAndGet(),
        bytes(key), bytes("v"), null, 0, 0, 7)));
    assertEquals(ErrorCode.UNAVAILABLE, strict.code());
    assertEquals(2, strict.required());
    assertEquals(1, strict.alive(), "the stand-in is reachable: " + strict.message());
    Reply sloppy = c.await(last.index, new PutRequest(ids.incrementAndGet(), bytes(key), bytes("v"), null, 1, 0, 7,
        true));
    assertInstanceOf(PutReply.class, sloppy, () -> "the downgraded write: " + sloppy);
    assertInstanceOf(ErrorReply.class, c.await(last.index, new GetRequest(ids.incrementAndGet(), bytes(key), 1, 0)),
        "a strict read at R=1 still needs an owner");
    GetReply read = assertInstanceOf(GetReply.class, c.await(last.index, new GetRequest(ids.incrementAndGet(),
        bytes(key), 1, 0, true)));
    assertEquals(List.of("v"), strings(read));
  }

  /**
   * One seeded run: write, fault 1 or 2 of the key's owners (pause or partition), delete through a
   * live node, end the fault, then read through every node at once and for 3 s after.
   */
  private Outcome scenario(long seed, boolean sloppy) {
    RequestSettings settings = RequestSettings.defaults(3).withSloppyQuorum(sloppy);
    SimCluster c = new SimCluster(seed, 5, settings);
    Random random = new Random(seed);
    String key = "key-" + seed;
    List<SimCluster.SimNode> owners = c.primaries(bytes(key));
    List<SimCluster.SimNode> faulted = new ArrayList<>(owners);
    java.util.Collections.shuffle(faulted, random);
    faulted = faulted.subList(0, 1 + random.nextInt(2));
    Set<SimCluster.SimNode> live = new HashSet<>(c.nodes);
    faulted.forEach(live::remove);
    List<SimCluster.SimNode> liveList = new ArrayList<>(live);
    liveList.sort(java.util.Comparator.comparingInt(n -> n.index));
    boolean pause = random.nextBoolean();
    String what = "seed " + seed + ", " + (pause ? "paused " : "partitioned ") + faulted.stream().map(n -> n.id).toList()
        + " of owners " + owners.stream().map(n -> n.id).toList() + (sloppy ? ", sloppy quorum" : "");

    SimCluster.SimNode writer = liveList.get(random.nextInt(liveList.size()));
    Reply put = c.await(writer.index, new PutRequest(ids.incrementAndGet(), bytes(key), bytes("v1"), null, 0, 0));
    assertInstanceOf(PutReply.class, put, () -> what + ": " + put);
    c.sim.runFor(500); // the write reaches all three owners
    GetReply before = assertInstanceOf(GetReply.class,
        c.await(writer.index, new GetRequest(ids.incrementAndGet(), bytes(key), 0, 0)));
    assertEquals(List.of("v1"), strings(before), what);

    if (pause) {
      faulted.forEach(n -> c.pause(n.index));
    } else {
      Set<io.ringkv.gossip.Endpoint> side = new HashSet<>();
      faulted.forEach(n -> side.add(n.endpoint));
      Set<io.ringkv.gossip.Endpoint> rest = new HashSet<>();
      live.forEach(n -> rest.add(n.endpoint));
      c.network.partition(side, rest);
    }
    c.sim.runFor(15_000); // every live node convicts the faulted owners

    SimCluster.SimNode deleter = liveList.get(random.nextInt(liveList.size()));
    Reply del = c.await(deleter.index, new DeleteRequest(ids.incrementAndGet(), bytes(key), before.context(), 0, 0));
    boolean acknowledged = del instanceof DeleteReply;
    if (!acknowledged) {
      ErrorReply e = assertInstanceOf(ErrorReply.class, del, () -> what + ": " + del);
      assertTrue(e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INDETERMINATE, () -> what + ": " + e);
    }

    if (pause) {
      faulted.forEach(n -> c.resume(n.index));
    } else {
      c.network.heal();
    }
    // reads begin at once, through the owners that missed the delete first, then every 250 ms for 3 s
    List<SimCluster.SimNode> readers = new ArrayList<>(faulted);
    readers.addAll(liveList);
    boolean stale = false;
    String staleAt = "";
    long healedAt = c.sim.nowMs();
    for (int round = 0; round < 12 && !stale; round++) {
      List<SimCluster.Call> calls = new ArrayList<>();
      for (SimCluster.SimNode r : readers) {
        calls.add(c.call(r.index, new GetRequest(ids.incrementAndGet(), bytes(key), 0, 0)));
      }
      c.sim.runUntil(() -> calls.stream().allMatch(SimCluster.Call::done), 60_000);
      for (int i = 0; i < calls.size(); i++) {
        if (calls.get(i).get() instanceof GetReply g && strings(g).contains("v1")) {
          stale = true;
          staleAt = " read back by " + readers.get(i).id + " " + (c.sim.nowMs() - healedAt) + " ms after the "
              + (pause ? "resume" : "heal");
        }
      }
      c.sim.runFor(250);
    }
    return new Outcome(acknowledged, stale && acknowledged, what + (acknowledged ? ", delete acknowledged by "
        + ((DeleteReply) del).acks() : ", delete refused: " + del) + (stale ? staleAt : ""));
  }

  @Test
  void aDeleteAcknowledgedWhileOwnersWerePausedOrCutOffIsNeverReadBackAfterTheHeal() {
    int acknowledged = 0;
    int refused = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      Outcome o = scenario(seed, false);
      assertTrue(!o.staleRead(), () -> "a deleted value came back: " + o.description());
      if (o.deleteAcknowledged()) {
        acknowledged++;
      } else {
        refused++;
      }
    }
    // not vacuous: deletes with one owner faulted are acknowledged by the other two owners
    assertTrue(acknowledged >= SEEDS / 4, "only " + acknowledged + " of " + SEEDS + " deletes acknowledged");
    assertTrue(refused >= SEEDS / 4, "only " + refused + " of " + SEEDS + " deletes refused (two owners down)");
  }

  /**
   * The trade-off, pinned: with a sloppy quorum (stand-ins count toward R and W, the code before the
   * fix) the same scenarios acknowledge every delete and some read it back after the heal.
   */
  @Test
  void withASloppyQuorumTheSameScenariosReadDeletedValuesBack() {
    List<String> stale = new ArrayList<>();
    int acknowledged = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      Outcome o = scenario(seed, true);
      if (o.deleteAcknowledged()) {
        acknowledged++;
      }
      if (o.staleRead()) {
        stale.add(o.description());
      }
    }
    assertEquals(SEEDS, acknowledged, "a sloppy quorum acknowledges every delete here");
    assertTrue(stale.size() >= 3, "expected the Jepsen failure to reproduce; stale reads: " + stale);
    assertTrue(stale.stream().anyMatch(d -> d.contains("paused")), "after a pause too: " + stale);
    assertTrue(stale.stream().anyMatch(d -> d.contains("partitioned")), "after a heal too: " + stale);
    System.out.println("sloppy quorum, " + stale.size() + " of " + SEEDS + " seeds read a deleted value back, e.g. "
        + stale.get(0));
  }
}
