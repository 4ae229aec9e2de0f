package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.AdminReply;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.RemoveNodeRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.ring.Ring;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Membership changes on a whole simulated cluster, every subsystem running (gossip, hints, anti-entropy,
 * bootstrap, LEAVE, REMOVE, cleanup; {@code NodeAssembly}): a read-modify-write workload runs through the
 * change, under seeded delays, duplication and loss, and at the end
 * <ul>
 *   <li>no acknowledged write is lost (a key's last acknowledged value is read back),
 *   <li>no deleted or overwritten value comes back (only the last acknowledged value, or one whose write
 *       was not acknowledged either way, is read),
 *   <li>every key is stored on exactly its owners in the final ring (cleanup dropped every other copy).
 * </ul>
 * Each scenario runs several seeds; a failure names its seed and the replay command ({@link SimSeed}).
 */
class MembershipChangeSimulationTest {
  /** Exchanges every second (a real node's every 10 s): the runs stay a few simulated minutes long. */
  static final AntiEntropyConfig AE = AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(1_000);
  static final int N = 3;
  static final int KEYS = 120;
  /** Seeds per scenario: 8 in the default suite (about 2 s of CPU each); {@code -Dringkv.sim.seeds=N} for more. */
  static final int SEEDS = SimSeed.count(8);

  @Test
  void cleanupAfterAJoinLeavesEveryKeyOnExactlyItsOwners() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster c = cluster(100_000 + seed, 3, AE);
      Workload w = new Workload(c);
      w.runFor(3_000);
      c.network.setDropRate(0.01); // lost stream merges: anti-entropy brings them
      SimCluster.SimNode joiner = c.join();
      w.runUntil(() -> status(c, joiner.id) == MemberStatus.UP, 120_000, "the joiner is UP");
      c.network.setDropRate(0);
      w.runFor(3_000);
      w.stop();
      settleAndCheck(c, w);
      assertTrue(dropped(c) > 0, "seed " + c.sim.seed() + ": cleanup dropped nothing after the join");
    }
  }

  /**
   * As above without anti-entropy and without loss: the bootstrap stream, the pending writes and cleanup
   * alone must leave every key on exactly its owners (anti-entropy would hide a copy cleanup dropped wrongly).
   */
  @Test
  void withoutAntiEntropyTheJoinAndCleanupAlonePlaceEveryKey() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster c = cluster(150_000 + seed, 3, null);
      Workload w = new Workload(c);
      w.runFor(3_000);
      SimCluster.SimNode joiner = c.join();
      w.runUntil(() -> status(c, joiner.id) == MemberStatus.UP, 120_000, "the joiner is UP");
      w.runFor(3_000);
      w.stop();
      settleAndCheck(c, w);
      assertTrue(dropped(c) > 0, "seed " + c.sim.seed() + ": cleanup dropped nothing after the join");
    }
  }

  /**
   * The joiner crashes while the owners stream it its ranges and is restarted: like a real node (its
   * bootstrap marker outlives the crash) it must come back JOINING and bootstrap again, not UP with half
   * its ranges. Without anti-entropy, so nothing but the bootstrap fills the restarted joiner.
   */
  @Test
  void aBootstrapInterruptedByACrashStartsAgainAfterTheRestart() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster c = cluster(400_000 + seed, 3, null);
      Workload w = new Workload(c);
      w.runFor(3_000);
      SimCluster.SimNode joiner = c.join();
      int j = c.nodes.indexOf(joiner);
      // killed as soon as it holds its first copies: streams (and pending writes) under way
      w.runUntil(() -> joiner.storage.stats().keys() > 0 || localStatus(joiner) == MemberStatus.UP, 60_000,
          "the joiner holds its first keys");
      assertEquals(MemberStatus.JOINING, localStatus(joiner), "seed " + c.sim.seed() + ": UP before the crash");
      c.kill(j);
      w.runFor(2_000 + c.sim.random().nextInt(3_000));
      c.restart(j);
      assertEquals(MemberStatus.JOINING, localStatus(joiner),
          "seed " + c.sim.seed() + ": the restarted joiner did not bootstrap again");
      w.runUntil(() -> status(c, joiner.id) == MemberStatus.UP, 120_000, "the restarted joiner is UP");
      w.runFor(3_000);
      w.stop();
      settleAndCheck(c, w);
    }
  }

  @Test
  void removeOfADeadNodeWhileAnotherJoins() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster c = cluster(200_000 + seed, 4);
      Workload w = new Workload(c);
      w.runFor(3_000);
      SimCluster.SimNode dead = c.node(3);
      c.kill(3);
      w.runUntil(() -> !c.node(0).membership.isAlive(dead.id), 60_000, dead.id + " is seen down");
      SimCluster.SimNode joiner = c.join();
      SimCluster.Call remove = c.call(0, new RemoveNodeRequest(w.nextId(), dead.id));
      w.runUntil(remove::done, 900_000, "REMOVE answers");
      // REMOVE may fail (a stream lost a merge): an operator runs it again, as its message says
      while (!(remove.get() instanceof AdminReply)) {
        remove = c.call(0, new RemoveNodeRequest(w.nextId(), dead.id));
        SimCluster.Call again = remove;
        w.runUntil(again::done, 900_000, "REMOVE answers again");
      }
      w.runFor(3_000);
      w.stop();
      // the joiner asked the dead member too, when it was still an owner, and goes UP without its answer
      // once it has seen it down for a while (Bootstrap.unreachable), not after the 10-minute stream bound
      w.runUntil(() -> status(c, joiner.id) == MemberStatus.UP, 120_000, "the joiner is UP");
      settleAndCheck(c, w);
      assertEquals(MemberStatus.REMOVED, status(c, dead.id));
    }
  }

  @Test
  void leaveDuringAPartition() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster c = cluster(300_000 + seed, 5);
      Workload w = new Workload(c);
      w.runFor(3_000);
      // n5 is cut off from the others; n3 leaves meanwhile: the keys it hands to n5 are not acknowledged
      c.network.isolate(c.node(4).endpoint);
      w.runFor(2_000);
      SimCluster.SimNode leaver = c.node(2);
      SimCluster.Call leave = c.call(2, new LeaveRequest(w.nextId(), leaver.id));
      w.runUntil(leave::done, 300_000, "LEAVE answers");
      w.runFor(2_000);
      c.network.heal();
      while (!(leave.get() instanceof AdminReply)) {
        w.runFor(5_000);
        leave = c.call(2, new LeaveRequest(w.nextId(), leaver.id));
        SimCluster.Call again = leave;
        w.runUntil(again::done, 300_000, "LEAVE answers again");
      }
      w.runUntil(() -> leaver.exited && !leaver.process.alive(), 60_000, "the leaver's process exits");
      w.runFor(3_000);
      w.stop();
      settleAndCheck(c, w);
      assertEquals(MemberStatus.LEFT, status(c, leaver.id));
    }
  }

  private static SimCluster cluster(long seed, int size) {
    return cluster(seed, size, AE);
  }

  private static SimCluster cluster(long seed, int size, AntiEntropyConfig antiEntropy) {
    SimCluster c = new SimCluster(seed, size, RequestSettings.defaults(N), antiEntropy, 16);
    c.network.setDelay(1, 15);
    c.network.setDuplicateRate(0.01);
    return c;
  }

  private static MemberStatus localStatus(SimCluster.SimNode n) {
    return n.membership.gossiper().localMember().status();
  }

  private static MemberStatus status(SimCluster c, String id) {
    return c.node(0).membership.gossiper().view().get(id).map(m -> m.status()).orElse(null);
  }

  /** Copies every node's cleanup dropped so far. */
  private static long dropped(SimCluster c) {
    long dropped = 0;
    for (SimCluster.SimNode n : c.nodes) {
      dropped += n.metrics.counter("ringkv.cleanup.dropped").getCount();
    }
    return dropped;
  }

  /** The nodes still running (not killed, not exited). */
  private static List<SimCluster.SimNode> live(SimCluster c) {
    List<SimCluster.SimNode> out = new ArrayList<>();
    for (SimCluster.SimNode n : c.nodes) {
      if (n.process.alive() && !n.exited) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Copies not where the final ring puts them: "key on non-owner n" or "key missing on owner n"; empty when
   * every key some live node holds is on exactly its owners (a key no node holds is the reads' to judge).
   */
  private static List<String> misplaced(SimCluster c, Set<String> keys) {
    List<SimCluster.SimNode> live = live(c);
    Ring ring = live.get(0).membership.ring();
    List<String> out = new ArrayList<>();
    for (String k : keys) {
      List<String> owners = ring.owners(bytes(k), N);
      boolean anywhere = false;
      for (SimCluster.SimNode n : live) {
        VersionedObject o = SimCluster.stored(n, bytes(k));
        anywhere |= o != null && !o.siblings().isEmpty();
      }
      if (!anywhere) {
        continue; // never stored (every write of it failed before any replica took it), or lost: the reads tell
      }
      for (SimCluster.SimNode n : live) {
        VersionedObject o = SimCluster.stored(n, bytes(k));
        boolean holds = o != null && !o.siblings().isEmpty();
        if (holds != owners.contains(n.id)) {
          out.add(k + (holds ? " on non-owner " : " missing on owner ") + n.id);
        }
      }
    }
    return out;
  }

  /** Every live node UP with the same ring, and nobody JOINING, LEAVING or REMOVING. */
  private static boolean settled(SimCluster c) {
    List<SimCluster.SimNode> live = live(c);
    Ring ring = live.get(0).membership.ring();
    for (SimCluster.SimNode n : live) {
      if (!n.membership.ring().equals(ring) || n.membership.inTransition()
          || n.membership.gossiper().localMember().status() != MemberStatus.UP) {
        return false;
      }
    }
    return true;
  }

  private static String describe(SimCluster c) {
    StringBuilder b = new StringBuilder();
    for (SimCluster.SimNode n : live(c)) {
      b.append(n.id).append(" sees ").append(n.membership.gossiper().view().members().stream()
          .map(m -> m.id() + ":" + m.status() + (n.membership.isAlive(m.id()) ? "" : "(down)")).toList())
          .append(" ring ").append(n.membership.ring().nodeIds()).append("; ");
    }
    return b.toString();
  }

  /**
   * Waits (up to 10 simulated minutes) for the ring to settle and the copies to be exactly on the owners,
   * then reads every key with R=N and checks it against what the clients were told.
   */
  private static void settleAndCheck(SimCluster c, Workload w) {
    Set<String> keys = w.history.keySet();
    for (int i = 0; i < 600 && !(settled(c) && misplaced(c, keys).isEmpty()); i++) {
      c.sim.runFor(1_000);
    }
    assertTrue(settled(c), "seed " + c.sim.seed() + ": the ring did not settle: " + describe(c));
    List<String> wrong = misplaced(c, keys);
    assertTrue(wrong.isEmpty(), "seed " + c.sim.seed() + ": " + wrong.size() + " copies not on exactly their"
        + " owners 10 simulated minutes after the change, e.g. " + wrong.subList(0, Math.min(8, wrong.size())));
    int via = c.nodes.indexOf(live(c).get(0));
    int checked = 0;
    for (Map.Entry<String, KeyHistory> e : w.history.entrySet()) {
      KeyHistory h = e.getValue();
      if (h.acked.isEmpty()) {
        continue;
      }
      Reply r = c.await(via, new GetRequest(w.nextId(), bytes(e.getKey()), N, 0));
      if (!(r instanceof GetReply read)) {
        fail("seed " + c.sim.seed() + ": the final read of " + e.getKey() + " failed: " + r);
        return;
      }
      Set<String> values = new TreeSet<>();
      for (byte[] v : read.values()) {
        values.add(new String(v, StandardCharsets.UTF_8));
      }
      String last = h.acked.get(h.acked.size() - 1);
      Set<String> superseded = new HashSet<>(h.acked.subList(0, h.acked.size() - 1));
      if (last != null) {
        superseded.remove(last);
      }
      for (String v : values) {
        assertTrue(!superseded.contains(v), "seed " + c.sim.seed() + ": " + e.getKey() + " reads " + values
            + ", with " + v + " overwritten or deleted by a later acknowledged write; history " + h);
        assertTrue(v.equals(last) || h.uncertain.contains(v), "seed " + c.sim.seed() + ": " + e.getKey()
            + " reads " + v + ", never written; history " + h);
      }
      if (!h.uncertainSinceLastAck && last != null) {
        assertTrue(values.contains(last), "seed " + c.sim.seed() + ": acknowledged write " + last + " of "
            + e.getKey() + " lost, reads " + values + "; history " + h);
      }
      checked++;
    }
    assertTrue(checked > KEYS / 2, "only " + checked + " keys had an acknowledged write");
  }

  /** What the clients were told about one key, in order. */
  static final class KeyHistory {
    /** Acknowledged writes in order: the value, or null for a delete. */
    final List<String> acked = new ArrayList<>();
    /** Values of writes that failed (INDETERMINATE, TIMEOUT...): they may or may not be stored. */
    final Set<String> uncertain = new HashSet<>();
    boolean uncertainSinceLastAck;
    boolean busy;

    @Override
    public String toString() {
      return "acked " + acked + ", uncertain " + uncertain + (uncertainSinceLastAck ? " (after the last ack)" : "");
    }
  }

  /**
   * Read-modify-write clients: every 10 ms a key not in use is read (any live node coordinates) and
   * written with the read's context, a new value or, one time in five, a delete. One operation at a time
   * per key, so a key's acknowledged writes are ordered.
   */
  static final class Workload {
    final SimCluster c;
    final Random random;
    final Map<String, KeyHistory> history = new LinkedHashMap<>();
    private boolean running = true;
    /** Operations in flight, by key: the coordinator, and the value being written (null: a read or a delete). */
    private final Map<KeyHistory, Op> inFlight = new java.util.HashMap<>();

    /** {@code generation}: the coordinator's incarnation; a restart loses what the last one coordinated. */
    private record Op(SimCluster.SimNode via, long generation, String value, boolean writing) {
      boolean lost() {
        return !via.process.alive() || via.exited || via.generation != generation;
      }
    }
    private long ids;
    private long values;

    Workload(SimCluster c) {
      this.c = c;
      this.random = new Random(c.sim.random().nextLong());
      for (int i = 0; i < KEYS; i++) {
        history.put("k" + i, new KeyHistory());
      }
      tick();
    }

    long nextId() {
      return ++ids;
    }

    private void tick() {
      if (!running) {
        return;
      }
      String key = "k" + random.nextInt(KEYS);
      KeyHistory h = history.get(key);
      List<SimCluster.SimNode> live = live(c);
      if (!h.busy && !live.isEmpty()) {
        h.busy = true;
        SimCluster.SimNode via = live.get(random.nextInt(live.size()));
        inFlight.put(h, new Op(via, via.generation, null, false));
        via.node.onRequest(new GetRequest(nextId(), bytes(key), 0, 0), reply -> {
          if (reply instanceof GetReply read) {
            write(via, key, h, read);
          } else {
            done(h);
          }
        });
      }
      c.sim.after(10, this::tick);
    }

    private void write(SimCluster.SimNode via, String key, KeyHistory h, GetReply read) {
      if (!running && random.nextBoolean()) {
        done(h);
        return;
      }
      if (!read.values().isEmpty() && random.nextInt(5) == 0) {
        inFlight.put(h, new Op(via, via.generation, null, true));
        via.node.onRequest(new DeleteRequest(nextId(), bytes(key), read.context(), 0, 0, random.nextLong()), reply -> {
          outcome(h, null, reply instanceof DeleteReply);
          done(h);
        });
      } else {
        String value = key + "=" + (++values);
        inFlight.put(h, new Op(via, via.generation, value, true));
        via.node.onRequest(new PutRequest(nextId(), bytes(key), bytes(value), read.context(), 0, 0,
            random.nextLong()), reply -> {
              outcome(h, value, reply instanceof PutReply);
              done(h);
            });
      }
    }

    private static void outcome(KeyHistory h, String value, boolean acked) {
      if (acked) {
        h.acked.add(value);
        h.uncertainSinceLastAck = false;
      } else {
        if (value != null) {
          h.uncertain.add(value);
        }
        h.uncertainSinceLastAck = true;
      }
    }

    private void done(KeyHistory h) {
      h.busy = false;
      inFlight.remove(h);
    }

    void runFor(long ms) {
      c.sim.runFor(ms);
    }

    void runUntil(BooleanSupplier condition, long maxMs, String what) {
      c.sim.runUntil(condition, maxMs);
      assertTrue(condition.getAsBoolean(), "seed " + c.sim.seed() + ": not within " + maxMs + " ms: " + what);
    }

    /**
     * Stops issuing operations and lets the ones in flight finish; a write whose coordinator died (killed,
     * or exited after its LEAVE, or restarted since) is never answered: it may or may not have happened.
     */
    void stop() {
      running = false;
      runUntil(() -> inFlight.values().stream().allMatch(Op::lost),
          120_000, "the workload's operations finish");
      for (Map.Entry<KeyHistory, Op> e : inFlight.entrySet()) {
        if (e.getValue().writing()) {
          outcome(e.getKey(), e.getValue().value(), false);
        }
      }
      inFlight.clear();
    }
  }
}
