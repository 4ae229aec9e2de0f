package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.CausalContext;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.VerifyResult;
import io.ringkv.client.GetResult;
import io.ringkv.client.NoNodeReachableException;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvException;
import io.ringkv.protocol.ErrorCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReplTest {
  static final String KEY = "0d5d3807-5fbf-4228-a657-5a091c4e497f";
  static final String COMB = "{\"name\": \"Chapayev's Mustache comb\"}";
  static final NodeAddress N1 = NodeAddress.parse("127.0.0.1:7001");
  static final NodeAddress N2 = NodeAddress.parse("127.0.0.1:7002");
  static final NodeAddress N3 = NodeAddress.parse("127.0.0.1:7003");

  final FakeRingkvClient client = new FakeRingkvClient(N1,
      FakeRingkvClient.info(2, List.of(), "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"));
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  final Repl repl = new Repl(client, new PrintWriter(out), new PrintWriter(err));

  /** Lines to type, with scenario steps (reconnects, other clients' writes) run between them. */
  static class Script implements LineSource {
    private final Deque<Object> items;

    Script(Object... items) {
      this.items = new ArrayDeque<>(Arrays.asList(items));
    }

    @Override
    public String readLine() {
      while (!items.isEmpty()) {
        Object item = items.poll();
        if (item instanceof Runnable step) {
          step.run();
        } else {
          return (String) item;
        }
      }
      return null;
    }
  }

  List<String> outLines() {
    return out.toString().lines().toList();
  }

  List<String> errLines() {
    return err.toString().lines().toList();
  }

  /** Output after the connect banner (the first 5 lines: Connected, Known nodes:, three nodes). */
  List<String> answers() {
    List<String> lines = outLines();
    return lines.subList(5, lines.size());
  }

  @Test
  void theSeed002Session() {
    client.requireUuid4 = true;
    ClusterInfo twoLeft = new ClusterInfo("n3", "demo", 2, 2, 2, "uuid4", List.of(
        new ClusterInfo.Node("n1", N1, "DOWN", 256, 1 / 3.0),
        new ClusterInfo.Node("n2", N2, "UP", 256, 1 / 3.0),
        new ClusterInfo.Node("n3", N3, "UP", 256, 1 / 3.0)), List.of());
    ClusterInfo oneLeft = new ClusterInfo("n2", "demo", 2, 2, 2, "uuid4", List.of(
        new ClusterInfo.Node("n1", N1, "DOWN", 256, 1 / 3.0),
        new ClusterInfo.Node("n2", N2, "UP", 256, 1 / 3.0),
        new ClusterInfo.Node("n3", N3, "DOWN", 256, 1 / 3.0)),
        List.of("cluster size (1) is smaller than a replication factor (2)"));

    boolean ok = repl.run(new Script(
        "SET 12345 '" + COMB + "'",
        "SET " + KEY + " '" + COMB + "'",
        "GET " + KEY,
        "DELETE " + KEY,
        "GET " + KEY,
        (Runnable) () -> client.reconnect(N3, twoLeft),
        (Runnable) () -> client.reconnect(N2, oneLeft),
        (Runnable) () -> client.warningsChanged(oneLeft.warnings())));

    assertEquals(List.of(
        "Connected to ringkv at 127.0.0.1:7001",
        "Known nodes:",
        "127.0.0.1:7001",
        "127.0.0.1:7002",
        "127.0.0.1:7003",
        "Created (2 replicas)",
        COMB,
        "Deleted (2 replicas)",
        "Not found",
        "Reconnected to ringkv at 127.0.0.1:7003",
        "Known nodes:",
        "127.0.0.1:7002",
        "127.0.0.1:7003",
        "Reconnected to ringkv at 127.0.0.1:7002",
        "Known nodes:",
        "127.0.0.1:7002",
        "WARNING: cluster size (1) is smaller than a replication factor (2)!"), outLines());
    assertEquals(List.of("Error: Key is not a proper UUID4"), errLines());
    assertFalse(ok, "one command failed, so the session did not succeed");
  }

  @Test
  void aDowngradedWriteThatStandInsMadeUpSaysSo() {
    assertEquals("2 replicas", Repl.acknowledged(2, 0));
    assertEquals("1 replica; W=2 not reachable", Repl.acknowledged(1, 2));
    assertEquals("2 replicas counting stand-ins; W=2 owners not reachable", Repl.acknowledged(2, 2));
  }

  @Test
  void withOneReplicaLeftAnInteractiveSessionAnswersAndWarns() {
    repl.downgrade(true); // as CliCommand sets it for a terminal
    client.alive = 1;
    assertTrue(repl.run(new Script(
        "SET " + KEY + " '" + COMB + "'",
        "GET " + KEY,
        "DELETE " + KEY,
        "GET " + KEY)));
    assertEquals(List.of(
        "Created (1 replica; W=2 not reachable)",
        COMB,
        "WARNING: answered by 1 of 2 replicas (quorum not reachable); the value may be stale",
        "Deleted (1 replica; W=2 not reachable)",
        "Not found",
        "WARNING: answered by 1 of 2 replicas (quorum not reachable); the value may be stale"), answers());
    assertEquals(List.of(), errLines());
    assertTrue(client.calls("get").stream().allMatch(c -> c.options().downgrade()));
  }

  @Test
  void consistencyStrictTurnsTheDowngradeOffAndDowngradeBackOn() {
    repl.downgrade(true);
    client.alive = 1;
    assertFalse(repl.run(new Script("CONSISTENCY STRICT", "GET " + KEY, "CONSISTENCY", "CONSISTENCY DOWNGRADE",
        "GET " + KEY)));
    assertEquals(List.of(
        "Consistency: STRICT (a read or write fails when too few replicas are alive)",
        "Consistency: R=node default (2), W=node default (2), STRICT",
        "Consistency: DOWNGRADE (when too few replicas are alive, answer from those left, with a warning)",
        "Not found",
        "WARNING: answered by 1 of 2 replicas (quorum not reachable); the value may be stale"), answers());
    assertEquals(List.of("Error: 1 of 2 required replicas reachable"), errLines());
  }

  @Test
  void scriptsKeepStrictFailuresUnlessAsked() {
    client.alive = 1;
    assertFalse(repl.run(new Script("SET " + KEY + " v")));
    assertEquals(List.of("Error: 1 of 2 required replicas reachable"), errLines());
    assertFalse(client.calls("get").get(0).options().downgrade());
  }

  @Test
  void stopAndItsAliasKillStopANodeByIdAndAskAtATerminal() {
    assertTrue(repl.run(new Script("STOP n2", "kill n3")));
    assertEquals(List.of("n2 is stopping", "n3 is stopping"), answers());
    assertEquals(List.of("n2", "n3"), client.calls("stop-node").stream().map(FakeRingkvClient.Call::key).toList());

    assertFalse(repl.run(new Script("STOP")));
    assertEquals(List.of("Error: usage: STOP node-id (NODES lists the ids)"), errLines());

    Script atTerminal = new Script("STOP n2", "no", "STOP n2", "yes") {
      @Override
      public boolean isTerminal() {
        return true;
      }
    };
    out.getBuffer().setLength(0);
    assertTrue(repl.run(atTerminal));
    List<String> lines = outLines();
    assertEquals(List.of(
        "STOP shuts n2 down: it flushes its data and its process exits (start it again to bring it back). Type yes to go on:",
        "Not stopped",
        "STOP shuts n2 down: it flushes its data and its process exits (start it again to bring it back). Type yes to go on:",
        "n2 is stopping"), lines.subList(5, lines.size()));
    assertEquals(3, client.calls("stop-node").size(), "the refused one was not sent");
  }

  @Test
  void nodesShowsAStandInHoldingHints() {
    ClusterInfo info = new ClusterInfo("n1", "demo", 2, 2, 2, "uuid4", List.of(
        new ClusterInfo.Node("n1", N1, "UP", 256, 0.5, "stand-in: 12 hints pending for n3"),
        new ClusterInfo.Node("n2", N2, "JOINING", 256, 0.0),
        new ClusterInfo.Node("n3", N3, "DOWN", 256, 0.5)), List.of());
    client.heartbeat(info);
    assertTrue(repl.run(new Script("NODES")));
    assertEquals(List.of(
        "Connected to ringkv at 127.0.0.1:7001",
        "Known nodes:",
        "127.0.0.1:7001",
        "127.0.0.1:7002 (JOINING)",
        "ID  ADDRESS         STATUS   ROLE             TOKENS  OWNS",
        "n1  127.0.0.1:7001  UP       owner, stand-in  256     50.0%",
        "n2  127.0.0.1:7002  JOINING  joining          256     0.0%",
        "n3  127.0.0.1:7003  DOWN     owner, down      256     50.0%",
        "n1: stand-in: 12 hints pending for n3"), outLines(), "the down node is listed only in NODES");
  }

  @Test
  void verifySaysWhenCleanupIsPendingAndWaitWaitsForACleanRing() {
    client.verifyAnswer = new VerifyResult(1500, 0, 1498, List.of(), false, 6_000);
    assertFalse(repl.run(new Script("VERIFY")));
    assertEquals(List.of("Checked 1,500 keys: 0 under-replicated (held by fewer than their owners), 1,498 misplaced"
        + " (held by a non-owner), cleanup after the last ring change starts in 6 s"), answers());
    assertEquals(List.of("Error: VERIFY found keys that are not on exactly their owners (VERIFY --wait SECONDS waits"
        + " for the cleanup)"), errLines());

    long[] now = {0};
    List<Long> pauses = new ArrayList<>();
    repl.nanoClock = () -> now[0];
    repl.pause = ms -> {
      pauses.add(ms);
      now[0] += ms * 1_000_000;
    };
    client.verifyAnswers.add(new VerifyResult(1500, 0, 1498, List.of(), false, 1_000));
    client.verifyAnswers.add(new VerifyResult(1500, 0, 700, List.of(), false, 0));
    client.verifyAnswer = new VerifyResult(1500, 0, 0, List.of(), false, -1);
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertTrue(repl.run(new Script("VERIFY --wait 30")));
    assertEquals(List.of(
        "  not yet: 0 under-replicated (held by fewer than their owners), 1,498 misplaced (held by a non-owner),"
            + " cleanup after the last ring change starts in 1 s; checking again in 2 s",
        "  not yet: 0 under-replicated (held by fewer than their owners), 700 misplaced (held by a non-owner),"
            + " cleanup after the last ring change is running; checking again in 2 s",
        "Checked 1,500 keys: 0 under-replicated (held by fewer than their owners), 0 misplaced (held by a non-owner)"),
        answers());
    assertEquals(List.of(1_500L, 2_000L), pauses, "sooner when the cleanup starts sooner");

    // a ring that stays unclean fails once the wait is over
    client.verifyAnswer = new VerifyResult(1500, 2, 0, List.of(), false, -1);
    err.getBuffer().setLength(0);
    assertFalse(repl.run(new Script("VERIFY --wait 5")));
    assertEquals(List.of("Error: VERIFY found keys that are not on exactly their owners after waiting 5 s"), errLines());
    assertFalse(repl.run(new Script("VERIFY --wait soon")));
  }

  @Test
  void setStoresTheValueExactlyWithOnePairOfQuotesRemoved() {
    assertTrue(repl.run(new Script(
        "SET k1 '" + COMB + "'",
        "SET k2 \"say 'hi'\"",
        "SET k3 plain words  here   ",
        "SET k4 ''",
        "SET k5 '' ''",
        "SET k6 кошка 🐈")));
    assertEquals(List.of(COMB), client.stored("k1"));
    assertEquals(List.of("say 'hi'"), client.stored("k2"));
    assertEquals(List.of("plain words  here"), client.stored("k3"));
    assertEquals(List.of(""), client.stored("k4"));
    assertEquals(List.of("' '"), client.stored("k5"));
    assertEquals(List.of("кошка 🐈"), client.stored("k6"));
  }

  @Test
  void commandsAreCaseInsensitiveAndHaveAliases() {
    assertTrue(repl.run(new Script("put k v", "Get k", "set k w", "get K", "get k", "del k", "get k")));
    assertEquals(List.of("Created (2 replicas)", "v", "Updated (2 replicas)", "Not found", "w",
        "Deleted (2 replicas)", "Not found"), answers());
  }

  @Test
  void siblingsAreListedAndTheNextSetReplacesAllOfThem() {
    client.writeFromElsewhere("k", "from alice", CausalContext.NONE);
    client.writeFromElsewhere("k", "from bob", CausalContext.NONE);

    assertTrue(repl.run(new Script("GET k", "SET k merged", "GET k")));

    assertEquals(List.of(
        "2 siblings (concurrent writes):",
        "  1) from alice",
        "  2) from bob",
        "(a SET of this key now replaces all of them)",
        "Updated (2 replicas)",
        "merged"), answers());
    assertEquals(List.of("merged"), client.stored("k"));
  }

  @Test
  void aSetAfterAGetSendsTheContextOfThatGet() {
    client.writeFromElsewhere("k", "v1", CausalContext.NONE);
    assertTrue(repl.run(new Script("GET k", "SET k v2")));

    List<FakeRingkvClient.Call> puts = client.calls("put");
    assertEquals(1, client.calls("get").size(), "the SET used the remembered context, no second read");
    assertEquals(contextOfValues("1"), puts.get(0).context());
  }

  @Test
  void aSetOfAKeyNotReadInThisSessionReadsItFirstAndOverwrites() {
    client.writeFromElsewhere("k", "old", CausalContext.NONE);
    assertTrue(repl.run(new Script("SET k new")));

    assertEquals(List.of("get", "put"), client.calls.stream().map(FakeRingkvClient.Call::op).toList());
    assertEquals(contextOfValues("1"), client.calls("put").get(0).context());
    assertEquals(List.of("new"), client.stored("k"));
    assertEquals(List.of("Updated (2 replicas)"), answers());
  }

  @Test
  void aSetAfterASetSendsTheContextTheFirstSetReturned() {
    assertTrue(repl.run(new Script("SET k a", "SET k b")));
    assertEquals(List.of("get", "put", "put"), client.calls.stream().map(FakeRingkvClient.Call::op).toList());
    assertEquals(contextOfValues("1"), client.calls("put").get(1).context());
    assertEquals(List.of("b"), client.stored("k"));
  }

  @Test
  void aTrulyConcurrentWriteStillBecomesASibling() {
    client.writeFromElsewhere("k", "v1", CausalContext.NONE);
    assertTrue(repl.run(new Script(
        "GET k",
        (Runnable) () -> client.writeFromElsewhere("k", "theirs", client.contextFromElsewhere("k")),
        "SET k ours",
        "GET k")));
    assertEquals(List.of("v1", "Updated (2 replicas)",
        "2 siblings (concurrent writes):", "  1) theirs", "  2) ours",
        "(a SET of this key now replaces all of them)"), answers());
  }

  @Test
  void deleteOfAnUnreadKeyReadsItFirstAndTheNextSetReadsAgain() {
    client.writeFromElsewhere("k", "v", CausalContext.NONE);
    assertTrue(repl.run(new Script("DELETE k", "DELETE k", "SET k again")));
    assertEquals(List.of("get", "delete", "get", "delete", "get", "put"),
        client.calls.stream().map(FakeRingkvClient.Call::op).toList());
    assertEquals(contextOfValues("1"), client.calls("delete").get(0).context());
    assertEquals(List.of("Deleted (2 replicas)", "Not found", "Created (2 replicas)"), answers());
    assertEquals(List.of("again"), client.stored("k"));
  }

  @Test
  void theContextMemoryIsBoundedAndForgetsTheLeastRecentlyUsedKey() {
    Repl small = new Repl(client, new PrintWriter(out), new PrintWriter(err), 2);
    assertTrue(small.run(new Script("SET a 1", "SET b 1", "SET a 2", "SET c 1", "SET a 3", "SET b 2")));
    // Reads for context: a, b (first writes), c (evicts b, the least recently used), b again.
    assertEquals(List.of("a", "b", "c", "b"), client.calls("get").stream().map(FakeRingkvClient.Call::key).toList());
    assertEquals(List.of("3"), client.stored("a"));
    assertEquals(List.of("2"), client.stored("b"));
  }

  @Test
  void consistencyShowsAndSetsTheSessionQuorums() {
    boolean ok = repl.run(new Script(
        "CONSISTENCY",
        "consistency 1 2",
        "GET k",
        "CONSISTENCY",
        "CONSISTENCY 3 1",
        "CONSISTENCY one",
        "SET k v",
        "CONSISTENCY QUORUM",
        "CONSISTENCY x 1",
        "CONSISTENCY DEFAULT",
        "DELETE k"));
    assertFalse(ok);
    assertEquals(List.of(
        "Consistency: R=node default (2), W=node default (2), STRICT",
        "Consistency set to R=1, W=2",
        "Not found",
        "Consistency: R=1, W=2, STRICT",
        "Consistency set to R=1, W=1",
        "Created (2 replicas)",
        "Consistency set to R=2, W=2",
        "Consistency set to R=node default (2), W=node default (2)",
        "Deleted (2 replicas)"), answers());
    assertEquals(List.of(
        "Error: R must be between 0 (node default) and the replication factor (2), got 3",
        "Error: R must be a number, got 'x'"), errLines());
    List<FakeRingkvClient.Call> calls = client.calls;
    assertEquals(new RequestOptions(1, 2, 0), calls.get(0).options());
    assertEquals(new RequestOptions(1, 1, 0), client.calls("put").get(0).options());
    assertEquals(RequestOptions.DEFAULTS, client.calls("delete").get(0).options());
  }

  @Test
  void errorsAreOneLineOnStderrAndFailTheSession() {
    client.failNext("put", new NoNodeReachableException("tried 127.0.0.1:7001, 127.0.0.1:7002"));
    client.failNext("get", new NoNodeReachableException("tried 127.0.0.1:7001"));
    client.failNext("put", new RingkvException(ErrorCode.UNAVAILABLE, "1 of 2 required replicas acknowledged"));
    client.failNext("where", new IllegalStateException("boom\nsecond line"));
    boolean ok = repl.run(new Script(
        "GET k",
        "SET k v",         // the context read works, the write fails
        "SET k v",
        "FROB k",
        "GET",
        "GET a b",
        "SET k",
        "WHERE k",
        "NODES now"));
    assertFalse(ok);
    assertEquals(List.of(
        "Error: failed to read: no node reachable",
        "Error: failed to write: no node reachable",
        "Error: 1 of 2 required replicas acknowledged",
        "Error: unknown command 'FROB'; type HELP for the list of commands",
        "Error: missing key; usage: GET key",
        "Error: usage: GET key (one key; quote a key that holds spaces)",
        "Error: usage: SET key value",
        "Error: boom\\nsecond line",
        "Error: NODES takes no arguments"), errLines());
    assertEquals(List.of(), answers());
  }

  @Test
  void aFailedContextReadOfASetIsReportedAsAWriteFailure() {
    client.failNext("get", new NoNodeReachableException("none"));
    assertFalse(repl.run(new Script("SET k v")));
    assertEquals(List.of("Error: failed to write: no node reachable"), errLines());
    assertEquals(List.of(), client.calls("put"));
  }

  @Test
  void aSessionWhoseCommandsAllSucceedSucceedsAndQuitStopsReading() {
    assertTrue(repl.run(new Script("SET k v", "", "   ", "HELP", "quit", "FROB")));
    assertTrue(repl.quitRequested());
    assertTrue(err.toString().isEmpty(), err::toString);
  }

  @Test
  void endOfInputEndsTheSession() {
    assertTrue(repl.run(new Script()));
    assertEquals(5, outLines().size());
  }

  @Test
  void eachNewWarningIsPrintedOncePerChange() {
    String small = "cluster size (1) is smaller than a replication factor (2)";
    String disk = "node n2: store 95% full";
    assertTrue(repl.run(new Script(
        (Runnable) () -> client.warningsChanged(List.of(small)),
        (Runnable) () -> client.warningsChanged(List.of(small)),
        (Runnable) () -> client.warningsChanged(List.of(small, disk)),
        (Runnable) () -> client.warningsChanged(List.of()),
        (Runnable) () -> client.warningsChanged(List.of(small)))));
    assertEquals(List.of(
        "WARNING: " + small + "!",
        "WARNING: " + disk + "!",
        "Cluster warnings cleared",
        "WARNING: " + small + "!"), answers());
  }

  @Test
  void warningsOfTheConnectBannerAreNotRepeatedByTheFirstChange() {
    String small = "cluster size (1) is smaller than a replication factor (2)";
    FakeRingkvClient lonely = new FakeRingkvClient(N1, FakeRingkvClient.info(2, List.of(small), "127.0.0.1:7001"));
    Repl session = new Repl(lonely, new PrintWriter(out), new PrintWriter(err));
    assertTrue(session.run(new Script((Runnable) () -> lonely.warningsChanged(List.of(small)))));
    assertEquals(List.of(
        "Connected to ringkv at 127.0.0.1:7001",
        "Known nodes:",
        "127.0.0.1:7001",
        "WARNING: " + small + "!"), outLines());
  }

  @Test
  void asynchronousNoticesGoThroughTheLineSourceWhenItHasATerminal() {
    List<String> above = new java.util.ArrayList<>();
    LineSource terminal = new LineSource() {
      final Script script = new Script((Runnable) () -> client.reconnect(N2,
          FakeRingkvClient.info(2, List.of(), "127.0.0.1:7002")));

      @Override
      public String readLine() {
        return script.readLine();
      }

      @Override
      public boolean printAbove(String text) {
        above.add(text);
        return true;
      }
    };
    assertTrue(repl.run(terminal));
    assertEquals(List.of("Reconnected to ringkv at 127.0.0.1:7002\nKnown nodes:\n127.0.0.1:7002"), above);
    assertEquals(5, outLines().size(), "nothing printed around the line editor");
  }

  @Test
  void nodesAndRingShowEachNodesShare() {
    ClusterInfo info = new ClusterInfo("n1", "demo", 2, 2, 2, "uuid4", List.of(
        new ClusterInfo.Node("n1", N1, "UP", 256, 0.5),
        new ClusterInfo.Node("n2", N2, "UP", 256, 0.25),
        new ClusterInfo.Node("node-3", N3, "DOWN", 128, 0.25)), List.of());
    FakeRingkvClient c = new FakeRingkvClient(N1, info);
    Repl session = new Repl(c, new PrintWriter(out), new PrintWriter(err));
    assertTrue(session.run(new Script("NODES", "RING")));
    List<String> lines = outLines();
    assertEquals(List.of(
        "ID      ADDRESS         STATUS  ROLE         TOKENS  OWNS",
        "n1      127.0.0.1:7001  UP      owner        256     50.0%",
        "n2      127.0.0.1:7002  UP      owner        256     25.0%",
        "node-3  127.0.0.1:7003  DOWN    owner, down  128     25.0%",
        "n1      127.0.0.1:7001  50.0%  " + "#".repeat(20),
        "n2      127.0.0.1:7002  25.0%  " + "#".repeat(10),
        "node-3  127.0.0.1:7003  25.0%  " + "#".repeat(10)), lines.subList(4, lines.size()));
  }

  @Test
  void nodesShowsWhatBusyNodesAreDoingUnderTheTableAndRingDoesNot() {
    ClusterInfo info = new ClusterInfo("n1", "demo", 2, 2, 2, "uuid4", List.of(
        new ClusterInfo.Node("n1", N1, "UP", 256, 0.5, "streaming to n4: 7% (70 of 1,000 keys, 12.0 KiB), ETA 40 s"),
        new ClusterInfo.Node("n2", N2, "UP", 256, 0.25),
        new ClusterInfo.Node("n3", N3, "LEAVING", 256, 0.25,
            "leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s")), List.of());
    FakeRingkvClient c = new FakeRingkvClient(N1, info);
    Repl session = new Repl(c, new PrintWriter(out), new PrintWriter(err));
    assertTrue(session.run(new Script("NODES", "RING")));
    List<String> lines = outLines();
    assertEquals(List.of(
        "ID  ADDRESS         STATUS   ROLE     TOKENS  OWNS",
        "n1  127.0.0.1:7001  UP       owner    256     50.0%",
        "n2  127.0.0.1:7002  UP       owner    256     25.0%",
        "n3  127.0.0.1:7003  LEAVING  leaving  256     25.0%",
        "n1: streaming to n4: 7% (70 of 1,000 keys, 12.0 KiB), ETA 40 s",
        "n3: leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s",
        "n1  127.0.0.1:7001  50.0%  " + "#".repeat(20),
        "n2  127.0.0.1:7002  25.0%  " + "#".repeat(10),
        "n3  127.0.0.1:7003  25.0%  " + "#".repeat(10)), lines.subList(5, lines.size()));
  }

  @Test
  void verifyReportsTheCountsAndFailsWhenAnyKeyIsOffItsOwners() {
    client.verifyAnswer = new VerifyResult(1200, 0, 0, List.of(), false);
    assertTrue(repl.run(new Script("VERIFY")));
    assertEquals(List.of("Checked 1,200 keys: 0 under-replicated (held by fewer than their owners), 0 misplaced"
        + " (held by a non-owner)"), answers());

    client.verifyAnswer = new VerifyResult(1200, 3, 1, List.of("n3"), false);
    assertFalse(repl.run(new Script("VERIFY")));
    assertTrue(answers().contains("No answer from: n3 (their keys are not counted)"), answers().toString());
    assertEquals(List.of("Error: VERIFY found keys that are not on exactly their owners"), errLines());
  }

  @Test
  void keysListsInOrderUpToTheLimitAndNamesTheNode() {
    assertTrue(repl.run(new Script("SET b 2", "SET a 1", "SET c 3")));
    out.getBuffer().setLength(0);
    assertTrue(repl.run(new Script("KEYS", "KEYS LIMIT 2", "KEYS n2 limit 5")));
    assertEquals(List.of("a", "b", "c", "(3 keys)", "a", "b", "(2 keys; more: raise LIMIT)", "a", "b", "c",
        "(3 keys on n2)"), answers());
    assertEquals("n2", client.calls.get(client.calls.size() - 1).key(), "the node asked for");
    assertFalse(repl.run(new Script("KEYS LIMIT none")));
    assertFalse(repl.run(new Script("KEYS n1 n2")));
    assertEquals(List.of("Error: LIMIT must be a number of keys >= 1, got 'none'", "Error: usage: KEYS [node-id] [LIMIT n]"),
        errLines());
  }

  @Test
  void leaveDecommissionsTheSessionsNode() {
    assertTrue(repl.run(new Script("LEAVE")));
    assertEquals(List.of(
        "Leaving: 127.0.0.1:7001 is handing over its data (progress here, in NODES and in its log) ...",
        "Left the ring"), answers());
    assertEquals(1, client.calls("leave").size());
    // by the id the session showed: a node the client failed over to would refuse it
    assertEquals(client.lastInfo().nodeId(), client.calls("leave").get(0).key());
  }

  private static ClusterInfo withActivity(ClusterInfo info, String nodeId, String activity) {
    List<ClusterInfo.Node> nodes = info.nodes().stream().map(n -> n.id().equals(nodeId)
        ? new ClusterInfo.Node(n.id(), n.endpoint(), "LEAVING", n.tokens(), n.ownership(), activity) : n).toList();
    return new ClusterInfo(info.nodeId(), info.clusterName(), info.replicationFactor(), info.defaultR(),
        info.defaultW(), info.keyFormat(), nodes, info.warnings());
  }

  @Test
  void whileLeaveRunsTheSessionPrintsEachNewProgressLineOfItsNode() throws Exception {
    ClusterInfo idle = client.lastInfo();
    client.pendingLeave = new CompletableFuture<>();
    Thread session = new Thread(() -> repl.run(new Script("LEAVE")));
    session.start();
    client.heartbeat(withActivity(idle, "n2", "streaming to n9: 5% (1 of 20 keys, 10 B), ETA 9 s")); // not its node
    client.heartbeat(withActivity(idle, "n1", "leaving: 10% (1 of 10 keys, 1.0 KiB), ETA 9 s"));
    awaitOutput("leaving: 10%");
    client.heartbeat(withActivity(idle, "n1", "leaving: 60% (6 of 10 keys, 6.0 KiB), ETA 1 s"));
    awaitOutput("leaving: 60%");
    client.pendingLeave.complete("Left the ring: handed 10 keys");
    session.join(10_000);
    assertEquals(List.of(
        "Leaving: 127.0.0.1:7001 is handing over its data (progress here, in NODES and in its log) ...",
        "  leaving: 10% (1 of 10 keys, 1.0 KiB), ETA 9 s",
        "  leaving: 60% (6 of 10 keys, 6.0 KiB), ETA 1 s",
        "Left the ring: handed 10 keys"), answers(), "each line once, only the session's node");
  }

  @Test
  void whileRemoveRunsTheSessionSaysSoAndPrintsItsNodesProgress() throws Exception {
    ClusterInfo idle = client.lastInfo();
    client.pendingRemove = new CompletableFuture<>();
    Thread session = new Thread(() -> repl.run(new Script("REMOVE n3")));
    session.start();
    awaitOutput("Removing n3");
    client.heartbeat(withActivity(idle, "n1", "removing n3: 3 members re-replicate its ranges; re-replicating n3's"
        + " ranges: 40% (4 of 10 keys, 40 B), ETA 2 s"));
    awaitOutput("40%");
    client.pendingRemove.complete("Removed n3 from the ring: 3 members handed 30 objects");
    session.join(10_000);
    assertEquals(List.of(
        "Removing n3: the other nodes hand its ranges' data to the new owners (progress here, in NODES and in the"
            + " logs) ...",
        "  removing n3: 3 members re-replicate its ranges; re-replicating n3's ranges: 40% (4 of 10 keys, 40 B), ETA 2 s",
        "Removed n3 from the ring: 3 members handed 30 objects"), answers());
  }

  /** Waits (bounded) until the session, running on another thread, has printed {@code text}. */
  private void awaitOutput(String text) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (!out.toString().contains(text)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("no '" + text + "' within 10 s in:\n" + out);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void removeInAScriptAsksNoConfirmation() {
    assertTrue(repl.run(new Script("REMOVE n3")));
    assertEquals(List.of("Removed n3 from the ring"), answers());
    assertEquals(List.of("n3"), client.calls("remove-node").stream().map(FakeRingkvClient.Call::key).toList());
    assertFalse(repl.run(new Script("REMOVE")));
    assertEquals(List.of("Error: usage: REMOVE node-id"), errLines());
  }

  @Test
  void whereShowsWhatEachReplicaHolds() {
    client.whereAnswer = List.of(
        new ClusterInfo.ReplicaState("n1", N1, "primary", true, List.of(FakeRingkvClient.bytes("v1")), 0),
        new ClusterInfo.ReplicaState("n2", N2, "primary", true,
            List.of(FakeRingkvClient.bytes("a"), FakeRingkvClient.bytes("b")), 1),
        new ClusterInfo.ReplicaState("n3", N3, "fallback for n2", false, List.of(), 0),
        new ClusterInfo.ReplicaState("n4", NodeAddress.parse("127.0.0.1:7004"), "primary", true, List.of(), 2),
        new ClusterInfo.ReplicaState("n5", NodeAddress.parse("127.0.0.1:7005"), "primary", true,
            List.of(FakeRingkvClient.bytes("x".repeat(70))), 0),
        new ClusterInfo.ReplicaState("n6", NodeAddress.parse("127.0.0.1:7006"), "primary", true, List.of(), 0));
    assertTrue(repl.run(new Script("WHERE k")));
    assertEquals(List.of(
        "ROLE             NODE  ADDRESS         HOLDS",
        "primary          n1    127.0.0.1:7001  value v1",
        "primary          n2    127.0.0.1:7002  2 siblings a | b, 1 tombstone",
        "fallback for n2  n3    127.0.0.1:7003  no answer",
        "primary          n4    127.0.0.1:7004  2 tombstones",
        "primary          n5    127.0.0.1:7005  value " + "x".repeat(60) + "...",
        "primary          n6    127.0.0.1:7006  nothing"), answers());
    assertEquals(List.of("k"), client.calls("where").stream().map(FakeRingkvClient.Call::key).toList());
  }

  /** A pending answer that, like a real wait, notices an interrupt of the waiting thread. */
  static final class InterruptibleAnswer extends java.util.concurrent.CompletableFuture<GetResult> {
    final boolean interruptWhileWaiting;

    InterruptibleAnswer(boolean interruptWhileWaiting) {
      this.interruptWhileWaiting = interruptWhileWaiting;
    }

    @Override
    public GetResult get(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
      if (interruptWhileWaiting) {
        Thread.currentThread().interrupt(); // Ctrl-C's handler interrupts the REPL thread while it waits
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return new GetResult(List.of(), CausalContext.NONE, 2);
    }
  }

  @Test
  void ctrlCWhileACommandWaitsAbandonsItAndTheSessionGoesOn() {
    InterruptibleAnswer waiting = new InterruptibleAnswer(true);
    client.pendingGet = waiting;
    assertFalse(repl.execute("GET k"));
    assertTrue(waiting.isCancelled(), "the abandoned request is cancelled");
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals(List.of("Error: interrupted; the read may or may not have taken effect"), errLines());

    client.pendingGet = new InterruptibleAnswer(false);
    Thread.currentThread().interrupt(); // a Ctrl-C between commands...
    assertTrue(repl.execute("GET k"), "...does not cancel the next command");
    assertEquals(List.of("Not found"), outLines());
  }

  @Test
  void aQuotedKeyMayHoldSpaces() {
    assertTrue(repl.run(new Script("SET 'my key' 'my value'", "GET \"my key\"")));
    assertEquals(List.of("my value"), client.stored("my key"));
    assertEquals(List.of("Created (2 replicas)", "my value"), answers());
  }

  @Test
  void oneReplicaIsSingular() {
    client.acks = 1;
    assertTrue(repl.run(new Script("SET k v", "DELETE k")));
    assertEquals(List.of("Created (1 replica)", "Deleted (1 replica)"), answers());
  }

  private static CausalContext contextOfValues(String ids) {
    return CausalContext.of(FakeRingkvClient.bytes(ids));
  }
}
