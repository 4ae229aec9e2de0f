package io.ringkv.sim;

import static io.ringkv.sim.SimCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Reply;
import io.ringkv.storage.causality.VersionedObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A client write retried through a second coordinator (its connection died mid-write, the client's
 * failover sends the same write, same id, to another node) must not come back after an acknowledged
 * delete: what the Jepsen delete workload saw as "deleted, then read again". Three nodes, N=3, real
 * gossip, hinted handoff, read repair and anti-entropy (exchanges every second).
 */
class DuplicateWriteSimulationTest {
  private static final AntiEntropyConfig AE = AntiEntropyConfig.DEFAULTS.withExchangeIntervalMs(1_000)
      .withTombstoneGraceMs(10_000).withGcIntervalMs(2_000);
  private static final String KEY = "k";

  private final AtomicLong ids = new AtomicLong();

  private static List<String> strings(GetReply r) {
    List<String> out = new ArrayList<>();
    for (byte[] v : r.values()) {
      out.add(new String(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  private GetReply get(SimCluster c, int via, int r) {
    Reply reply = c.await(via, new GetRequest(ids.incrementAndGet(), bytes(KEY), r, 0));
    return assertInstanceOf(GetReply.class, reply, () -> "GET failed: " + reply + " (seed " + c.sim.seed() + ")");
  }

  private PutRequest write(String value, byte[] context, long writeId) {
    return new PutRequest(ids.incrementAndGet(), bytes(KEY), bytes(value), context, 0, 0, writeId);
  }

  private void delete(SimCluster c, int via, byte[] context) {
    Reply r = c.await(via, new DeleteRequest(ids.incrementAndGet(), bytes(KEY), context, 0, 0, 9_999));
    assertInstanceOf(DeleteReply.class, r, () -> "DELETE failed: " + r + " (seed " + c.sim.seed() + ")");
  }

  /** Reads through every node with R=N (each read also repairs), then checks every replica's store. */
  private void assertStaysDeleted(SimCluster c, String when) {
    for (int via = 0; via < c.nodes.size(); via++) {
      assertEquals(List.of(), strings(get(c, via, 3)), "the deleted value came back " + when + ", read through "
          + c.node(via).id + " (seed " + c.sim.seed() + ")");
    }
    c.sim.runFor(5_000);
    for (SimCluster.SimNode n : c.nodes) {
      VersionedObject o = SimCluster.stored(n, bytes(KEY));
      assertTrue(o == null || o.isDeleted(), n.id + " holds " + o + " " + when + " (seed " + c.sim.seed() + ")");
    }
  }

  @Test
  void aWriteMintedTwiceByTwoCoordinatorsStaysDeletedWhenTheFirstMinterComesBack() {
    for (long seed = 41; seed < 46; seed++) {
      writeMintedTwiceThenDeleted(seed);
    }
  }

  private void writeMintedTwiceThenDeleted(long seed) {
    SimCluster c = new SimCluster(seed, 3, RequestSettings.defaults(3), AE, 16);
    SimCluster.SimNode first = c.node(0);
    // the client's write reaches n1, which mints it (it is a replica) and dies before replicating it
    c.call(first.index, write("doomed", null, 4242));
    c.sim.runUntil(() -> SimCluster.stored(first, bytes(KEY)) != null, 5_000);
    c.kill(first.index);
    assertNotNull(SimCluster.stored(first, bytes(KEY)), "n1 minted the write before it died");
    // the client fails over and sends the same write (same id) through n2, which mints it again
    assertInstanceOf(PutReply.class, c.await(1, write("doomed", null, 4242)));
    assertNotNull(SimCluster.stored(c.node(1), bytes(KEY)).newestDotOf(c.node(1).id), "n2 minted a second copy");
    c.sim.runFor(1_000);
    // a reader's quorum (n2, n3) sees the write once; its delete covers n2's copy only
    GetReply read = get(c, 1, 2);
    assertEquals(List.of("doomed"), strings(read));
    delete(c, 1, read.context());
    assertEquals(List.of(), strings(get(c, 2, 2)));
    // n1 comes back with its copy: hints, read repair and anti-entropy exchange the objects
    c.restart(first.index);
    c.sim.runFor(20_000);
    assertStaysDeleted(c, "after n1 came back");
    c.sim.runFor(30_000); // more exchanges, past the tombstone grace (GC may purge the tombstones)
    assertStaysDeleted(c, "after anti-entropy and tombstone GC");
  }

  @Test
  void aRetryThatArrivesAfterTheDeleteOfItsFirstAttemptIsNotMintedAgain() {
    for (long seed = 51; seed < 56; seed++) {
      retryAfterDelete(seed);
    }
  }

  private void retryAfterDelete(long seed) {
    SimCluster c = new SimCluster(seed, 3, RequestSettings.defaults(3), AE, 16);
    // the write reaches every replica; the client never got the reply (its connection died)
    c.call(0, write("doomed", null, 4343));
    c.sim.runFor(1_000);
    GetReply read = get(c, 1, 2);
    assertEquals(List.of("doomed"), strings(read));
    // another client deletes it; then the first client's retry of the write arrives through n3
    delete(c, 1, read.context());
    Reply retry = c.await(2, write("doomed", null, 4343));
    assertInstanceOf(PutReply.class, retry, () -> "the retry failed: " + retry);
    c.sim.runFor(5_000);
    assertStaysDeleted(c, "after the late retry");
  }
}
