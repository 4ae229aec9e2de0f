package io.ringkv.node;

import io.ringkv.client.NodeAddress;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClientListener;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.GetResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.client.VerifyResult;
import io.ringkv.gossip.Endpoint;
import io.ringkv.node.WriteLedger.KeyState;
import io.ringkv.node.WriteLedger.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scale-out run of issue 5 on real node processes (loopback, Chronicle files, one JVM per node):
 *
 * <ol>
 *   <li>three nodes (N=3) and K keys loaded by a few concurrent writers, every acknowledged write kept
 *       in a {@link WriteLedger} (key, value, context);
 *   <li>while a writer keeps updating, creating and deleting keys: a fourth node joins (JOINING, streamed
 *       its ranges, UP), then a fifth, then an original node LEAVEs (optionally another is SIGKILLed and
 *       REMOVEd); the writer stops;
 *   <li>VERIFY is polled until no key is under-replicated and none is misplaced (or a bound), and every
 *       key of the ledger is read at R=N: the acknowledged value must be there, an acknowledged delete
 *       must read as not found; a WHERE sample checks each owner's copy;
 *   <li>one node is stopped (SIGTERM), its object store deleted (identity and dot lease kept), and
 *       restarted; with no client reads, the time until anti-entropy alone has refilled it (VERIFY's
 *       under-replicated count back to 0) is measured, then a WHERE sample reads its copies and the
 *       whole ledger is read again;
 *   <li>with {@code --gc-wait-s}: tombstone GC is awaited until every owner purged every deleted key's
 *       tombstone, the ledger is read again, every node but n1 is restarted (their purge logs live in
 *       memory) and n1, a former owner that kept copies of the ranges it handed to n4 and n5, LEAVEs;
 *       the ledger is read a last time.
 * </ol>
 *
 * <p>It reports figures (Markdown); {@link ScaleOutProcessTest} runs it small and asserts on the
 * {@link Result}. {@code main} runs it at any size (bench/README.md, {@code bin/ringkv scale-out-run}).
 */
@Command(name = "scale-out-run", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Issue 5's scale-out run on real node processes; writes a Markdown report.")
public final class ScaleOutRun implements Callable<Integer> {
  static final int N = 3;
  static final String CLUSTER = "scaleout";
  /** Reads of the final check wait for every owner: the acknowledged value must be on all N. */
  static final RequestOptions READ_ALL = new RequestOptions(N, 0, 10_000);
  /** Default quorums for the writers (W=2 of 3). */
  static final RequestOptions WRITE = RequestOptions.DEFAULTS;
  /** Writes each loader keeps in flight. */
  static final int LOAD_IN_FLIGHT = 8;
  /** A run that takes longer than this for one join or leave has a problem worth stopping for. */
  static final long MEMBERSHIP_BOUND_MS = 900_000;

  /** How big and how long; {@link #ci} is the test's size, the flags' defaults the issue's. */
  record Options(int keys, int valueBytes, int loadThreads, int churnThreads, int churnOpsPerSecond,
      long writesBeforeChangesMs, long settleMs, boolean killRemove, long verifyIntervalMs, long underBoundMs,
      long misplacedBoundMs, long repairBoundMs, int whereSample, String nodeHeap, Path runDir, boolean keepData,
      long seed, String command, long gcWaitMs, boolean restartAfterGc) {
    /**
     * The CI size: 3,000 keys, 200 writer ops/s, VERIFY every 2 s. {@code misplacedBoundMs} is how long to
     * wait for misplaced keys to go once none is under-replicated (0 while the build keeps them).
     */
    static Options ci(Path runDir, long misplacedBoundMs) {
      return new Options(3_000, 100, 3, 2, 200, 2_000, 2_000, false, 2_000, 120_000, misplacedBoundMs, 120_000, 200,
          "256m", runDir, false, new Random().nextLong(), "ScaleOutProcessTest (CI size)", 0, false);
    }
  }

  // ---------------------------------------------------------------- command line (main)

  @Option(names = "--keys", defaultValue = "100000", description = "Keys loaded before the changes (default: ${DEFAULT-VALUE}).")
  int keys;
  @Option(names = "--value-bytes", defaultValue = "100", description = "Value size (default: ${DEFAULT-VALUE}).")
  int valueBytes;
  @Option(names = "--load-threads", defaultValue = "4",
      description = "Concurrent loaders, each with " + LOAD_IN_FLIGHT + " writes in flight (default: ${DEFAULT-VALUE}).")
  int loadThreads;
  @Option(names = "--churn-threads", defaultValue = "2",
      description = "Writers running through the membership changes (default: ${DEFAULT-VALUE}).")
  int churnThreads;
  @Option(names = "--churn-ops-per-second", defaultValue = "500",
      description = "Their combined rate: 65%% updates, 20%% creates, 15%% deletes (default: ${DEFAULT-VALUE}).")
  int churnOpsPerSecond;
  @Option(names = "--kill-remove", description = "After the LEAVE, also SIGKILL one more original node and REMOVE it"
      + " (the ring ends with 3 nodes, where every node owns every key, so nothing can be misplaced).")
  boolean killRemove;
  @Option(names = "--verify-interval-ms", defaultValue = "5000", description = "VERIFY polling period (default: ${DEFAULT-VALUE}).")
  long verifyIntervalMs;
  @Option(names = "--under-bound-s", defaultValue = "600",
      description = "How long after the writer stops VERIFY may report under-replicated keys (default: ${DEFAULT-VALUE}).")
  long underBoundS;
  @Option(names = "--misplaced-bound-s", defaultValue = "120",
      description = "How long after that VERIFY may still report misplaced keys (default: ${DEFAULT-VALUE}).")
  long misplacedBoundS;
  @Option(names = "--repair-bound-s", defaultValue = "900",
      description = "How long the wiped replica's repair may take (default: ${DEFAULT-VALUE}).")
  long repairBoundS;
  @Option(names = "--where-sample", defaultValue = "1000", description = "Keys checked by WHERE (default: ${DEFAULT-VALUE}).")
  int whereSampleKeys;
  @Option(names = "--node-heap", defaultValue = "512m", description = "Each node's -Xmx (default: ${DEFAULT-VALUE}).")
  String nodeHeap;
  @Option(names = "--run-dir", description = "Data and logs (default: ring-node/target/scale-out-<time>).")
  Path runDirOption;
  @Option(names = "--report", description = "Markdown report (default: bench/results/scale-out-<time>.md).")
  Path reportOption;
  @Option(names = "--keep-data", description = "Keep the nodes' object stores after the run (logs are always kept).")
  boolean keepData;
  @Option(names = "--seed", description = "Seed of the writers' choices (default: random, printed).")
  Long seedOption;
  @Option(names = "--gc-wait-s", defaultValue = "0", description = "At the end, wait up to this long for tombstone GC"
      + " (grace 10 min) to purge every deleted key's tombstones, then read every key again (default: ${DEFAULT-VALUE}: skip).")
  long gcWaitS;
  @Option(names = "--no-restart-after-gc", description = "After GC, do not restart the nodes before n1 LEAVEs"
      + " (by default every node but n1 is restarted, which loses their purge logs: they are in memory).")
  boolean noRestartAfterGc;

  public static void main(String[] args) {
    System.setProperty("chronicle.analytics.disable", "true");
    System.exit(new CommandLine(new ScaleOutRun()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"));
    Path runDir = runDirOption != null ? runDirOption : Path.of("ring-node", "target", "scale-out-" + stamp);
    Path reportFile = reportOption != null ? reportOption : Path.of("bench", "results", "scale-out-" + stamp + ".md");
    if (keys < 1 || valueBytes < 32 || loadThreads < 1 || churnThreads < 1 || churnOpsPerSecond < 1) {
      System.err.println("Error: --keys, --load-threads, --churn-threads and --churn-ops-per-second must be >= 1,"
          + " --value-bytes >= 32");
      return 2;
    }
    long seed = seedOption != null ? seedOption : new Random().nextLong();
    String command = "bin/ringkv scale-out-run --keys " + keys + " --value-bytes " + valueBytes + " --load-threads "
        + loadThreads + " --churn-threads " + churnThreads + " --churn-ops-per-second " + churnOpsPerSecond
        + (killRemove ? " --kill-remove" : "") + " --verify-interval-ms " + verifyIntervalMs + " --node-heap " + nodeHeap
        + (gcWaitS > 0 ? " --gc-wait-s " + gcWaitS + (noRestartAfterGc ? " --no-restart-after-gc" : "") : "")
        + " --seed " + seed;
    Options o = new Options(keys, valueBytes, loadThreads, churnThreads, churnOpsPerSecond, 5_000, 5_000, killRemove,
        verifyIntervalMs, underBoundS * 1000, misplacedBoundS * 1000, repairBoundS * 1000, whereSampleKeys, nodeHeap,
        runDir, keepData, seed, command, gcWaitS * 1000, !noRestartAfterGc);
    ScaleOutRun run = new ScaleOutRun(o);
    Result r = run.run();
    Files.createDirectories(reportFile.toAbsolutePath().getParent());
    Files.writeString(reportFile, run.report(r));
    System.out.println(run.report(r));
    System.out.println("report: " + reportFile.toAbsolutePath());
    return r.passed(false) ? 0 : 1;
  }

  /** For picocli. */
  public ScaleOutRun() {
    this.o = null;
  }

  // ---------------------------------------------------------------- the run

  /** A node process and what the run knows about it. */
  static final class Node {
    final String id;
    final int port;
    final int metricsPort;
    final Path dataDir;
    final List<String> args;
    Process process;
    RingkvClient client;
    final List<Integer> logs = new ArrayList<>();
    final List<Long> pids = new ArrayList<>();
    String fate = "running";

    Node(String id, int port, int metricsPort, Path dataDir, List<String> args) {
      this.id = id;
      this.port = port;
      this.metricsPort = metricsPort;
      this.dataDir = dataDir;
      this.args = args;
    }

    Endpoint endpoint() {
      return new Endpoint("127.0.0.1", port);
    }
  }

  /** One VERIFY answer (or its failure) at a time since the writer started. */
  record Sample(long atMs, String phase, long keys, long under, long misplaced, List<String> unanswered,
      boolean truncated, long tookMs, String error) {
    boolean answeredByAll() {
      return error == null && unanswered.isEmpty() && !truncated;
    }
  }

  /** A membership change and its times, from the launch (or the LEAVE request) in milliseconds. */
  record Change(String what, long servingMs, long joiningSeenMs, long upAtSeedMs, long upEverywhereMs,
      long doneMs, String detail) {}

  /**
   * The writes one client had in flight around each of its failovers. The client retries a request
   * that was in flight on a connection it lost once on the new node, so such a write may have been
   * minted twice (two dots, one value); {@link WriteLedger.Verdict#RETRIED_SIBLING} accounts for that.
   * A write counts when it started before the failover and ended at most {@link #WINDOW_MS} before it
   * (the retried one ends after the switch; the listener hears of the switch a little later).
   */
  static final class InFlightLog implements ClientListener {
    static final long WINDOW_MS = 2_000;
    private static final int RECENT_MAX = 20_000;

    private record Op(KeyState key, int seq, long startNanos, long endNanos) {}

    private final String name;
    private final java.util.function.Consumer<String> events;
    private final java.util.ArrayDeque<Op> recent = new java.util.ArrayDeque<>();
    private final List<Long> failovers = new ArrayList<>();
    private int marked;

    InFlightLog(String name, java.util.function.Consumer<String> events) {
      this.name = name;
      this.events = events;
    }

    @Override
    public void onReconnected(NodeAddress now, ClusterInfo info) {
      int before;
      int after;
      synchronized (this) {
        long f = System.nanoTime();
        failovers.add(f);
        before = marked;
        for (Op op : recent) {
          mark(op, f);
        }
        after = marked;
      }
      events.accept(name + "'s client failed over to " + now + "; " + (after - before)
          + " writes around it may have been sent twice");
    }

    /** A write of {@code key}'s operation {@code seq}, started at {@code startNanos}, has just ended. */
    synchronized void done(KeyState key, int seq, long startNanos) {
      Op op = new Op(key, seq, startNanos, System.nanoTime());
      recent.addLast(op);
      if (recent.size() > RECENT_MAX) {
        recent.removeFirst();
      }
      for (long f : failovers) {
        mark(op, f);
      }
    }

    private void mark(Op op, long failoverNanos) {
      if (op.startNanos <= failoverNanos && op.endNanos >= failoverNanos - TimeUnit.MILLISECONDS.toNanos(WINDOW_MS)
          && op.key.retriedSeq < op.seq) {
        op.key.retriedSeq = op.seq;
        marked++;
      }
    }

    synchronized int failovers() {
      return failovers.size();
    }

    synchronized int marked() {
      return marked;
    }
  }

  /** Writes acknowledged and failed in one phase of the run. */
  static final class PhaseOps {
    final LongAdder acked = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder ackedDeletes = new LongAdder();
    final AtomicLong maxLatencyMicros = new AtomicLong();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    volatile long startMs = -1;
    volatile long endMs = -1;
  }

  /** What reading every key of the ledger found. */
  record Check(String when, int keys, int liveKeys, int deletedKeys, int retiredKeys, Map<Verdict, Long> verdicts,
      long unreadable, List<String> examples, long tookMs) {
    long count(Verdict v) {
      return verdicts.getOrDefault(v, 0L);
    }
  }

  /** WHERE on a sample of keys: each owner's own copy, judged against the ledger. */
  record WhereCheck(String when, int keys, int replicasChecked, int notAnswered, int wrongOwnerCount,
      int mismatches, int extraSiblings, List<String> examples) {}

  /** The wiped replica: what was deleted, how long anti-entropy took, what it moved. */
  record Repair(String node, List<String> deleted, List<String> kept, long ownedKeysBefore, long stopMs,
      long servingMs, long repairedMs, long treeKeysCompleteMs, long firstKeysMs, long underAtStart, List<String> progress,
      long objectsMoved, long bytesReceived, long bytesSentByPeers, long exchanges, WhereCheck where, String error) {}

  /** Tombstone GC at the end: how many tombstone copies were purged when, and the read check after it. */
  record Gc(long expected, long purged, long waitedMs, List<String> progress, Sample verify, Check after,
      List<String> restarts, Change leave, Check afterLeave) {}

  /** What the run measured; {@link #passed} is the done-when's verdict. */
  record Result(int keysLoaded, long loadMs, List<Change> changes, Map<String, PhaseOps> phases, List<Sample> samples,
      long writerStoppedAtMs, long underCleanMs, long cleanMs, Sample last, Map<String, Long> keysPerNode,
      Check afterConvergence,
      WhereCheck where, Repair repair, Check afterRepair, long tombstonesPurged, Gc gc, int clientFailovers,
      int writesMaybeSentTwice, List<String> loadAverages,
      List<String> events, String error) {
    /** The done-when: no write lost, no delete undone, VERIFY clean (misplaced too when {@code misplacedToo}). */
    boolean passed(boolean misplacedToo) {
      return error == null && lossless(afterConvergence) && lossless(afterRepair) && underCleanMs >= 0
          && (gc == null || (lossless(gc.after) && lossless(gc.afterLeave)))
          && (!misplacedToo || cleanMs >= 0) && repair != null && repair.repairedMs >= 0
          && repair.where.mismatches == 0 && where.mismatches == 0;
    }

    private static boolean lossless(Check c) {
      return c != null && c.count(Verdict.MISSING) == 0 && c.count(Verdict.RESURRECTED) == 0
          && c.count(Verdict.UNKNOWN_VALUE) == 0 && c.unreadable == 0;
    }
  }

  private final Options o;
  private final List<Node> nodes = new ArrayList<>();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<String> loadAverages = Collections.synchronizedList(new ArrayList<>());
  private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, PhaseOps> phases = Collections.synchronizedMap(new LinkedHashMap<>());
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private NodeProcesses procs;
  private WriteLedger ledger;
  private long runStart;
  private long churnStart;
  private volatile String phase = "load";
  private final List<InFlightLog> inFlightLogs = Collections.synchronizedList(new ArrayList<>());

  ScaleOutRun(Options options) {
    this.o = options;
  }

  private long sinceStart() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - runStart);
  }

  private void event(String text) {
    String line = String.format(Locale.ROOT, "%8.1f s  %s", sinceStart() / 1000.0, text);
    events.add(line);
    System.out.println("[scale-out] " + line);
  }

  private void loadAverage(String when) {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      loadAverages.add(when + ": " + f[0] + " " + f[1] + " " + f[2]);
    } catch (IOException e) {
      loadAverages.add(when + ": unknown (" + e.getMessage() + ")");
    }
  }

  /** Runs the whole sequence; never throws for a failed step: the Result names it. */
  Result run() throws Exception {
    runStart = System.nanoTime();
    Files.createDirectories(o.runDir());
    loadAverage("start");
    event("run directory " + o.runDir().toAbsolutePath() + ", seed " + o.seed());
    ledger = new WriteLedger(o.valueBytes());
    String error = null;
    int loaded = 0;
    long loadMs = -1;
    List<Change> changes = new ArrayList<>();
    long writerStoppedAt = -1;
    long[] convergence = {-1, -1};
    Sample converged = null;
    Map<String, Long> keysPerNode = Map.of();
    Check afterConvergence = null;
    Check afterRepair = null;
    WhereCheck where = null;
    Repair repair = null;
    long purged = -1;
    Gc gc = null;
    Thread hook = new Thread(this::killAll, "scale-out-kill-nodes");
    Runtime.getRuntime().addShutdownHook(hook);
    try (NodeProcesses p = new NodeProcesses(o.runDir(), o.nodeHeap())) {
      procs = p;
      try {
        Node first = newNode("n1");
        launch(first);
        first.client = connect(first);
        Node second = newNode("n2");
        Node third = newNode("n3");
        launch(second); // the two join n1 at the same time: a JVM's start-up mostly uses one core
        launch(third);
        second.client = connect(second);
        third.client = connect(third);
        awaitCondition(() -> upCount(node("n1")) == 3, 120_000, "three nodes UP");
        event("3 nodes UP (N=" + N + ")");
        loadAverage("3 nodes up");

        long t0 = System.nanoTime();
        loaded = load();
        loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        event(String.format(Locale.ROOT, "loaded %,d keys in %.1f s (%,.0f writes/s, %d threads)", loaded,
            loadMs / 1000.0, loaded * 1000.0 / Math.max(1, loadMs), o.loadThreads()));
        loadAverage("after load");

        churnStart = System.nanoTime();
        enterPhase("writes before changes");
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = startWriters(stop);
        Thread sampler = startSampler(stop);
        try {
          Thread.sleep(o.writesBeforeChangesMs());
          enterPhase("join n4");
          changes.add(join(newNode("n4")));
          enterPhase("join n5");
          changes.add(join(newNode("n5")));
          loadAverage("after the joins");
          enterPhase("leave n2");
          changes.add(leave(node("n2")));
          if (o.killRemove()) {
            enterPhase("kill+remove n3");
            changes.add(killAndRemove(node("n3")));
          }
          enterPhase("writes after changes");
          Thread.sleep(o.settleMs());
        } finally {
          stop.set(true);
          for (Thread t : writers) {
            t.join(30_000);
          }
          enterPhase("converge");
          sampler.join(120_000);
        }
        writerStoppedAt = sinceChurn();
        event(String.format(Locale.ROOT, "writer stopped: %,d writes and %,d deletes acknowledged, %,d failed in all",
            ledger.ackedPuts.sum(), ledger.ackedDeletes.sum(), ledger.failedPuts.sum() + ledger.failedDeletes.sum()));
        loadAverage("writer stopped");

        convergence = converge();
        converged = samples.get(samples.size() - 1);
        keysPerNode = gauges("ringkv.antientropy.trees.keys");
        loadAverage("converged");
        afterConvergence = checkAll("after convergence");
        where = whereSample("after convergence", null, o.whereSample());

        enterPhase("wiped replica");
        repair = wipeAndRepair(pickVictim());
        loadAverage("after the repair");
        afterRepair = checkAll("after the wiped replica's repair");
        purged = sumCounter("ringkv.antientropy.tombstones.purged");
        if (o.gcWaitMs() > 0) {
          enterPhase("tombstone GC");
          gc = awaitGc();
          loadAverage("after GC");
        }
      } catch (Exception | AssertionError e) {
        error = e.toString();
        event("ABORTED: " + e);
        e.printStackTrace(System.out);
      } finally {
        for (Node n : nodes) {
          if (n.client != null) {
            n.client.close();
          }
        }
      }
    } finally {
      killAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // already shutting down
      }
      if (!o.keepData()) {
        deleteObjectStores();
      }
    }
    loadAverage("end");
    return new Result(loaded, loadMs, changes, phases, new ArrayList<>(samples), writerStoppedAt, convergence[0],
        convergence[1], converged, keysPerNode, afterConvergence, where, repair, afterRepair, purged, gc,
        inFlightLogs.stream().mapToInt(InFlightLog::failovers).sum(),
        inFlightLogs.stream().mapToInt(InFlightLog::marked).sum(), new ArrayList<>(loadAverages),
        new ArrayList<>(events), error);
  }

  private long sinceChurn() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - churnStart);
  }

  private void killAll() {
    if (procs != null) {
      try {
        procs.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void deleteObjectStores() {
    for (Node n : nodes) {
      for (String f : List.of("objects.dat", "hints.dat", "objects.journal")) {
        try {
          Files.deleteIfExists(n.dataDir.resolve(f));
        } catch (IOException e) {
          System.out.println("[scale-out] could not delete " + n.dataDir.resolve(f) + ": " + e);
        }
      }
    }
  }

  // ---------------------------------------------------------------- nodes

  private Node newNode(String id) throws IOException {
    int port = LoopbackCluster.freePort();
    int metricsPort = LoopbackCluster.freePort();
    // every node may end up holding every key (and, until cleanup lands, copies it no longer owns), and the
    // writer creates keys: three times the key count leaves room for both
    long entries = Math.max(20_000, 3L * o.keys());
    List<String> args = new ArrayList<>(List.of("--id", id, "--replication-factor", Integer.toString(N),
        "--cluster-name", CLUSTER, "--storage-entries", Long.toString(entries), "--storage-average-key-bytes", "16",
        "--storage-average-value-bytes", Integer.toString(o.valueBytes()), "--metrics-port",
        Integer.toString(metricsPort)));
    if (!nodes.isEmpty()) {
      args.addAll(List.of("--join", "127.0.0.1:" + nodes.get(0).port));
    }
    Node n = new Node(id, port, metricsPort, o.runDir().resolve(id), args);
    nodes.add(n);
    return n;
  }

  private void launch(Node n) throws Exception {
    n.logs.add(procs.started());
    n.process = procs.start(n.port, n.dataDir, n.args);
    n.pids.add(n.process.pid());
    n.fate = "running";
    // for bench/bin/run-scale-out, which kills what is left if this JVM itself is killed
    Files.writeString(o.runDir().resolve("pids"), n.process.pid() + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    event("launched " + n.id + " (pid " + n.process.pid() + ", port " + n.port + ", log node-"
        + n.logs.get(n.logs.size() - 1) + ".log)");
  }

  private Node node(String id) {
    for (Node n : nodes) {
      if (n.id.equals(id)) {
        return n;
      }
    }
    throw new IllegalArgumentException("no node " + id);
  }

  /** The node admin calls and checks go through: n1 while it runs (until the LEAVE after GC), else the first running. */
  private Node admin() {
    return running().get(0);
  }

  private List<Node> running() {
    List<Node> r = new ArrayList<>();
    for (Node n : nodes) {
      if (n.fate.equals("running") && n.client != null) {
        r.add(n);
      }
    }
    return r;
  }

  /**
   * A client of node {@code n} alone, once it serves. Its heartbeat waits 10 s (the default 2 s makes a
   * client on a busy machine fail over to another node, and an admin call then goes to that node).
   */
  private static RingkvClient connect(Node n) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      try {
        return RingkvClient.connect(new ClientConfig(List.of(ClientAddress.of(n.endpoint())), 10_000, 15_000, 1000, 1024));
      } catch (RingkvException e) {
        if (!n.process.isAlive()) {
          throw new AssertionError(n.id + " exited with " + n.process.exitValue() + " before serving");
        }
        if (System.nanoTime() > end) {
          throw new AssertionError(n.id + " did not accept connections within 180 s", e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The status {@code viewer} gives {@code id}: UP, DOWN, JOINING, LEAVING, ..., "absent" or "unreachable". */
  private static String statusOf(Node viewer, String id) {
    try {
      for (ClusterInfo.Node n : viewer.client.blocking().info().nodes()) {
        if (n.id().equals(id)) {
          return n.status();
        }
      }
      return "absent";
    } catch (RingkvException e) {
      return "unreachable";
    }
  }

  private static long upCount(Node viewer) {
    try {
      return viewer.client.blocking().info().nodes().stream().filter(x -> x.status().equals("UP")).count();
    } catch (RingkvException e) {
      return -1;
    }
  }

  private static void awaitCondition(java.util.function.BooleanSupplier c, long maxMs, String what)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not reached within " + maxMs + " ms: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Starts a brand-new node with --join and waits until every running node sees it UP. */
  private Change join(Node n) throws Exception {
    Node seed = node("n1");
    long t0 = System.nanoTime();
    launch(n);
    n.client = connect(n);
    long serving = msSince(t0);
    long joiningSeen = -1;
    long upAtSeed = -1;
    long end = t0 + TimeUnit.MILLISECONDS.toNanos(MEMBERSHIP_BOUND_MS);
    while (upAtSeed < 0) {
      String s = statusOf(seed, n.id);
      if (s.equals("JOINING") && joiningSeen < 0) {
        joiningSeen = msSince(t0);
        event(n.id + " JOINING (seen by n1)");
      } else if (s.equals("UP")) {
        upAtSeed = msSince(t0);
      }
      if (System.nanoTime() > end) {
        throw new AssertionError(n.id + " not UP at n1 within " + MEMBERSHIP_BOUND_MS + " ms (last: " + s + ")");
      }
      Thread.sleep(100);
    }
    event(n.id + " UP (seen by n1)");
    awaitCondition(() -> running().stream().allMatch(v -> statusOf(v, n.id).equals("UP")),
        MEMBERSHIP_BOUND_MS, "every node sees " + n.id + " UP");
    long everywhere = msSince(t0);
    event(n.id + " UP on every node");
    return new Change("join " + n.id, serving, joiningSeen, upAtSeed, everywhere, everywhere,
        grep(n, "bootstrap: received"));
  }

  /** LEAVE through a client on the node itself; waits for its process to exit and the others to drop it. */
  private Change leave(Node n) throws Exception {
    long t0 = System.nanoTime();
    event("LEAVE " + n.id);
    String answer;
    // LEAVE decommissions the node the client is on *now*: a client that failed over since it connected
    // would decommission another node (it happened: n1 left instead of n2), so a fresh one, checked
    try (RingkvClient c = connect(n)) {
      if (!ClientAddress.of(n.endpoint()).equals(c.currentNode())) {
        throw new AssertionError("the client for LEAVE of " + n.id + " is on " + c.currentNode());
      }
      answer = c.blocking().leave();
    }
    long left = msSince(t0);
    event(n.id + ": " + answer);
    if (!n.process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError(n.id + " did not exit within 60 s of leaving");
    }
    long exited = msSince(t0);
    n.fate = "left (exit " + n.process.exitValue() + ")";
    n.client.close();
    n.client = null;
    awaitCondition(() -> running().stream().allMatch(v -> {
      String s = statusOf(v, n.id);
      return s.equals("LEFT") || s.equals("absent");
    }), 60_000, "every node sees " + n.id + " LEFT");
    long gone = msSince(t0);
    event(n.id + " LEFT on every node");
    return new Change("leave " + n.id, -1, -1, left, gone, exited,
        answer + "; process exited " + exited + " ms after the request with status " + n.process.exitValue());
  }

  /** SIGKILL, wait until the seed sees it DOWN, REMOVE through the seed, wait until every node dropped it. */
  private Change killAndRemove(Node n) throws Exception {
    Node seed = node("n1");
    long t0 = System.nanoTime();
    n.client.close();
    n.client = null;
    NodeProcesses.kill9(n.process);
    n.fate = "killed and removed";
    event("SIGKILL " + n.id);
    awaitCondition(() -> statusOf(seed, n.id).equals("DOWN"), 60_000, "n1 sees " + n.id + " DOWN");
    long down = msSince(t0);
    event(n.id + " DOWN (seen by n1)");
    String answer = seed.client.blocking().removeNode(n.id);
    event(answer);
    awaitCondition(() -> running().stream().allMatch(v -> {
      String s = statusOf(v, n.id);
      return s.equals("REMOVED") || s.equals("absent");
    }), 60_000, "every node drops " + n.id);
    long gone = msSince(t0);
    event(n.id + " removed on every node");
    return new Change("SIGKILL + REMOVE " + n.id, -1, -1, down, gone, gone, answer);
  }

  private static long msSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** The last line of the node's current log containing {@code text}, or "". */
  private String grep(Node n, String text) {
    try (Stream<String> lines = Files.lines(procs.logFile(n.logs.get(n.logs.size() - 1)).toPath())) {
      return lines.filter(l -> l.contains(text)).reduce((a, b) -> b).map(String::trim).orElse("");
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  // ---------------------------------------------------------------- writers

  /**
   * Loads keys 0 .. keys-1 with creates (no context); each loader keeps up to {@link #LOAD_IN_FLIGHT}
   * writes in flight, through a client of its own original node. Returns how many were acknowledged.
   */
  private int load() throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    LongAdder acked = new LongAdder();
    List<Node> originals = running();
    PhaseOps ops = phaseOps("load");
    List<RingkvClient> clients = new ArrayList<>();
    for (int t = 0; t < o.loadThreads(); t++) {
      int first = t;
      Node home = originals.get(t % originals.size());
      RingkvClient c = RingkvClient.connect(ClientConfig.of(ClientAddress.of(home.endpoint())));
      InFlightLog log = new InFlightLog("loader " + t, this::event);
      inFlightLogs.add(log);
      c.addListener(log);
      clients.add(c);
      Thread th = new Thread(() -> {
        Semaphore inFlight = new Semaphore(LOAD_IN_FLIGHT);
        try {
          for (int i = first; i < o.keys(); i += o.loadThreads()) {
            KeyState s = ledger.key(i);
            inFlight.acquire();
            long t1 = System.nanoTime();
            ledger.writeAsync(c, s, WRITE).whenComplete((outcome, e) -> {
              log.done(s, 0, t1);
              record(ops, outcome, false, t1);
              if (outcome.acked()) {
                acked.increment();
              }
              inFlight.release();
            });
          }
          inFlight.acquire(LOAD_IN_FLIGHT);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "scale-out-load-" + t);
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    clients.forEach(RingkvClient::close);
    return (int) acked.sum();
  }

  private PhaseOps phaseOps(String name) {
    return phases.computeIfAbsent(name, k -> new PhaseOps());
  }

  private void enterPhase(String name) {
    PhaseOps previous = phases.get(phase);
    if (previous != null) {
      previous.endMs = sinceChurn();
    }
    phase = name;
    PhaseOps next = phaseOps(name);
    next.startMs = sinceChurn();
  }

  private static void record(PhaseOps ops, WriteLedger.Outcome outcome, boolean delete, long startNanos) {
    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
    ops.maxLatencyMicros.accumulateAndGet(micros, Math::max);
    if (!outcome.acked()) {
      ops.failed.increment();
      ops.errors.computeIfAbsent(outcome.error(), k -> new LongAdder()).increment();
    } else if (delete) {
      ops.ackedDeletes.increment();
    } else {
      ops.acked.increment();
    }
  }

  /**
   * The writers of the membership changes: each owns the keys whose index is its number modulo the
   * writer count and, at its share of the rate, updates one (65%), creates one (20%) or deletes one
   * (15%). Writer i goes through a client seeded with original node i+1 (so one of them fails over when
   * n2 leaves).
   */
  private List<Thread> startWriters(AtomicBoolean stop) {
    List<Thread> threads = new ArrayList<>();
    List<Node> originals = running();
    List<List<KeyState>> live = new ArrayList<>();
    for (int t = 0; t < o.churnThreads(); t++) {
      live.add(new ArrayList<>());
    }
    for (KeyState s : ledger.all()) {
      if (s.live()) {
        live.get(s.index % o.churnThreads()).add(s);
      }
    }
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) * o.churnThreads() / o.churnOpsPerSecond();
    for (int t = 0; t < o.churnThreads(); t++) {
      int me = t;
      Node home = originals.get(t % originals.size());
      List<Endpoint> seeds = new ArrayList<>();
      seeds.add(home.endpoint());
      for (Node n : originals) {
        if (n != home) {
          seeds.add(n.endpoint());
        }
      }
      RingkvClient client = RingkvClient.connect(new ClientConfig(ClientAddress.of(seeds), 2000, 5000, 1000, 1024));
      InFlightLog log = new InFlightLog("writer " + t, this::event);
      inFlightLogs.add(log);
      client.addListener(log);
      Random random = new Random(o.seed() + t);
      Thread th = new Thread(() -> {
        List<KeyState> mine = live.get(me);
        int created = 0;
        long next = System.nanoTime();
        try (client) {
          BlockingRingkvClient c = client.blocking();
          while (!stop.get()) {
            PhaseOps ops = phaseOps(phase);
            double r = random.nextDouble();
            long t1 = System.nanoTime();
            if (r < 0.20 || mine.isEmpty()) {
              // new keys follow the loaded ones; writer i creates those whose index is i modulo the writer count
              KeyState s = ledger.key(o.keys() + me + o.churnThreads() * created++);
              WriteLedger.Outcome outcome = ledger.write(c, s, WRITE);
              log.done(s, s.nextSeq - 1, t1);
              record(ops, outcome, false, t1);
              if (outcome.acked()) {
                mine.add(s);
              }
            } else {
              int pick = random.nextInt(mine.size());
              KeyState s = mine.get(pick);
              boolean delete = r < 0.35;
              WriteLedger.Outcome outcome = delete ? ledger.delete(c, s, WRITE) : ledger.write(c, s, WRITE);
              log.done(s, s.nextSeq - 1, t1);
              record(ops, outcome, delete, t1);
              if (!s.live()) {
                mine.set(pick, mine.get(mine.size() - 1)); // deleted or retired: never touched again
                mine.remove(mine.size() - 1);
              }
            }
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            } else if (-wait > TimeUnit.SECONDS.toNanos(1)) {
              next = System.nanoTime(); // fell behind (a stall): no burst to catch up
            }
          }
          Thread.sleep(InFlightLog.WINDOW_MS); // a failover around the last write is still heard of
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "scale-out-writer-" + t);
      th.start();
      threads.add(th);
    }
    return threads;
  }


  private Thread startSampler(AtomicBoolean stop) {
    Thread t = new Thread(() -> {
      while (!stop.get()) {
        sample();
        try {
          Thread.sleep(o.verifyIntervalMs());
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "scale-out-verify");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private Sample sample() {
    long t0 = System.nanoTime();
    long at = sinceChurn();
    Sample s;
    try {
      VerifyResult v = admin().client.blocking().verify();
      s = new Sample(at, phase, v.keys(), v.underReplicated(), v.misplaced(), v.unanswered(), v.truncated(),
          msSince(t0), null);
    } catch (RingkvException e) {
      s = new Sample(at, phase, -1, -1, -1, List.of(), false, msSince(t0), e.getMessage());
    }
    samples.add(s);
    System.out.println("[scale-out] VERIFY " + s);
    return s;
  }

  // ---------------------------------------------------------------- convergence and checks

  /** Polls VERIFY; returns {ms until under-replicated = 0, ms until also misplaced = 0}, -1 when not reached. */
  private long[] converge() throws InterruptedException {
    long t0 = System.nanoTime();
    long underClean = -1;
    while (true) {
      Sample s = sample();
      long now = msSince(t0);
      if (s.answeredByAll() && s.under() == 0) {
        if (underClean < 0) {
          underClean = now;
          event("VERIFY: 0 under-replicated (" + s.misplaced() + " misplaced) " + now + " ms after the writer stopped");
        }
        if (s.misplaced() == 0) {
          event("VERIFY clean " + now + " ms after the writer stopped");
          return new long[] {underClean, now};
        }
      }
      if (underClean < 0 && now > o.underBoundMs()) {
        event("VERIFY still reports " + s.under() + " under-replicated keys after " + now + " ms; giving up");
        return new long[] {-1, -1};
      }
      if (underClean >= 0 && now - underClean > o.misplacedBoundMs()) {
        event("VERIFY still reports " + s.misplaced() + " misplaced keys " + (now - underClean)
            + " ms after the last under-replicated one was repaired; giving up waiting for them");
        return new long[] {underClean, -1};
      }
      Thread.sleep(o.verifyIntervalMs());
    }
  }

  /** Reads every key of the ledger at R=N and judges what it finds. */
  private Check checkAll(String when) throws InterruptedException {
    long t0 = System.nanoTime();
    RingkvClient client = admin().client;
    Map<Verdict, LongAdder> verdicts = new EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) {
      verdicts.put(v, new LongAdder());
    }
    List<String> examples = Collections.synchronizedList(new ArrayList<>());
    List<KeyState> retry = Collections.synchronizedList(new ArrayList<>());
    Semaphore inFlight = new Semaphore(64);
    List<KeyState> all = ledger.all();
    int live = 0;
    int deleted = 0;
    int retired = 0;
    for (KeyState s : all) {
      if (s.retired()) {
        retired++;
      } else if (s.ackedDelete) {
        deleted++;
      } else if (s.ackedSeq >= 0) {
        live++;
      }
      inFlight.acquire();
      client.get(s.keyBytes, READ_ALL).whenComplete((r, e) -> {
        try {
          if (e != null) {
            retry.add(s);
          } else {
            judge(s, r.values(), verdicts, examples);
          }
        } finally {
          inFlight.release();
        }
      });
    }
    inFlight.acquire(64);
    long unreadable = 0;
    for (KeyState s : retry) {
      GetResult r = null;
      for (int attempt = 0; attempt < 3 && r == null; attempt++) {
        try {
          r = client.blocking().get(s.keyBytes, READ_ALL);
        } catch (RingkvException e) {
          if (attempt == 2) {
            examples.add(s.key + ": unreadable at R=" + N + ": " + e.getMessage());
          }
          Thread.sleep(1000);
        }
      }
      if (r == null) {
        unreadable++;
      } else {
        judge(s, r.values(), verdicts, examples);
      }
    }
    Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
    verdicts.forEach((v, n) -> counts.put(v, n.sum()));
    Check c = new Check(when, all.size(), live, deleted, retired, counts, unreadable, examples, msSince(t0));
    event(String.format(Locale.ROOT, "read check %s: %,d keys at R=%d in %.1f s: %s, %d unreadable (%d retried)",
        when, all.size(), N, c.tookMs() / 1000.0, counts, unreadable, retry.size()));
    return c;
  }

  private static void judge(KeyState s, List<byte[]> values, Map<Verdict, LongAdder> verdicts, List<String> examples) {
    Verdict v = WriteLedger.check(s, values);
    verdicts.get(v).increment();
    if (v != Verdict.OK && examples.size() < 20) {
      examples.add(v + " " + WriteLedger.describe(s, values));
    }
  }

  /**
   * WHERE on {@code count} random keys of the ledger (only keys {@code onlyOn} owns, when given): every
   * primary must answer and hold what the ledger expects, and each key must have exactly N primaries.
   */
  private WhereCheck whereSample(String when, String onlyOn, int count) {
    Random random = new Random(o.seed() ^ when.hashCode());
    List<KeyState> all = ledger.all();
    BlockingRingkvClient c = admin().client.blocking();
    int keysChecked = 0;
    int replicas = 0;
    int notAnswered = 0;
    int wrongCount = 0;
    int mismatches = 0;
    int extraSiblings = 0;
    List<String> examples = new ArrayList<>();
    int attempts = 0;
    while (keysChecked < count && attempts < count * 20 && !all.isEmpty()) {
      attempts++;
      KeyState s = all.get(random.nextInt(all.size()));
      List<ClusterInfo.ReplicaState> states;
      try {
        states = c.where(s.keyBytes);
      } catch (RingkvException e) {
        notAnswered++;
        if (examples.size() < 10) {
          examples.add(s.key + ": WHERE failed: " + e.getMessage());
        }
        continue;
      }
      if (onlyOn != null && states.stream().noneMatch(r -> r.nodeId().equals(onlyOn))) {
        continue;
      }
      keysChecked++;
      long primaries = states.stream().filter(r -> r.role().equals("primary")).count();
      if (primaries != N) {
        wrongCount++;
        if (examples.size() < 10) {
          examples.add(s.key + ": " + primaries + " primaries");
        }
      }
      for (ClusterInfo.ReplicaState r : states) {
        if (onlyOn != null && !r.nodeId().equals(onlyOn)) {
          continue;
        }
        replicas++;
        if (!r.answered()) {
          notAnswered++;
          continue;
        }
        Verdict v = WriteLedger.check(s, r.values());
        if (v != Verdict.OK) {
          if (v == Verdict.STALE || v == Verdict.RETRIED_SIBLING) {
            extraSiblings++;
          } else {
            mismatches++;
          }
          if (examples.size() < 10) {
            examples.add(v + " on " + r.nodeId() + " (" + r.role() + ", " + r.tombstones() + " tombstones): "
                + WriteLedger.describe(s, r.values()));
          }
        }
      }
    }
    WhereCheck w = new WhereCheck(when, keysChecked, replicas, notAnswered, wrongCount, mismatches, extraSiblings,
        examples);
    event("WHERE " + when + ": " + keysChecked + " keys, " + replicas + " copies read, " + mismatches
        + " not as acknowledged, " + extraSiblings + " with an extra sibling, " + notAnswered + " unanswered, "
        + wrongCount + " without " + N + " primaries");
    return w;
  }

  /**
   * Waits until the nodes purged one tombstone per owner of every acknowledged delete (N each), or the
   * bound; then VERIFY and a read of every key: a deleted key must still read as not found.
   */
  private Gc awaitGc() throws Exception {
    long expected = N * ledger.ackedDeletes.sum();
    long t0 = System.nanoTime();
    List<String> progress = new ArrayList<>();
    long purged = sumCounter("ringkv.antientropy.tombstones.purged");
    event("waiting up to " + o.gcWaitMs() / 1000 + " s for tombstone GC to purge " + expected + " tombstone copies");
    long lastLogged = -1;
    while (purged < expected && msSince(t0) < o.gcWaitMs()) {
      Thread.sleep(10_000);
      purged = sumCounter("ringkv.antientropy.tombstones.purged");
      if (purged != lastLogged) {
        progress.add(String.format(Locale.ROOT, "%7.1f s: %,d of %,d purged", msSince(t0) / 1000.0, purged, expected));
        lastLogged = purged;
      }
    }
    long waited = msSince(t0);
    event(String.format(Locale.ROOT, "tombstone GC: %,d of %,d tombstone copies purged after %.0f s", purged, expected,
        waited / 1000.0));
    Sample v = sample();
    Check after = checkAll("after tombstone GC");

    // The purge logs that stop a purged key's old value from coming back live in memory: restart every
    // node but n1 (one at a time), then LEAVE n1, which streams every object it stores to the owners,
    // the copies it kept of ranges it handed to n4 and n5 included.
    List<String> restarts = new ArrayList<>();
    for (Node n : running()) {
      if (!n.id.equals("n1") && o.restartAfterGc()) {
        restarts.add(restart(n));
      }
    }
    if (restarts.isEmpty()) {
      restarts.add("no restarts (--no-restart-after-gc): the purge logs are intact");
    }
    Change leave = leave(node("n1"));
    Check afterLeave = checkAll(o.restartAfterGc() ? "after restarts and LEAVE of n1" : "after LEAVE of n1");
    return new Gc(expected, purged, waited, progress, v, after, restarts, leave, afterLeave);
  }

  /** SIGTERM, restart with the same flags, wait until every running node sees it UP. */
  private String restart(Node n) throws Exception {
    long t0 = System.nanoTime();
    n.client.close();
    n.client = null;
    n.process.destroy();
    if (!n.process.waitFor(60, TimeUnit.SECONDS)) {
      NodeProcesses.kill9(n.process);
    }
    launch(n);
    n.client = connect(n);
    awaitCondition(() -> running().stream().allMatch(v -> statusOf(v, n.id).equals("UP")), MEMBERSHIP_BOUND_MS,
        "every node sees " + n.id + " UP after its restart");
    String line = n.id + " restarted (SIGTERM) and UP everywhere in " + ms(msSince(t0));
    event(line);
    return line;
  }

  private static String ms(long ms) {
    return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  // ---------------------------------------------------------------- the wiped replica

  /** An original node still running that is not the seed the checks go through (n3, or n4 after --kill-remove). */
  private Node pickVictim() {
    for (String id : List.of("n3", "n4", "n5")) {
      Node n = node(id);
      if (n.fate.equals("running") && n.client != null) {
        return n;
      }
    }
    throw new IllegalStateException("no node to wipe");
  }

  /**
   * The object store is what holds data: objects.dat (the Chronicle map), objects.journal (its redo
   * journal), objects.dirty (the "open" marker), objects.lock, and the hint store (hints.dat,
   * hints.dirty: hints are the node's stand-in copies' bookkeeping; the copies themselves live in
   * objects.dat). Kept: node.properties (identity: id, tokens, generation; the node comes back as itself,
   * UP, owning the same ranges) and dots.lease (the floor under the dots this node mints: without it a
   * write coordinated here after the wipe could mint a dot another replica already holds for an older
   * value, and be dropped as already seen; DotCounter's Javadoc).
   */
  private Repair wipeAndRepair(Node victim) throws Exception {
    List<String> deleted = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    List<String> progress = new ArrayList<>();
    long ownedBefore = gauge(victim, "ringkv.antientropy.trees.keys");
    Map<String, Long> repairedBefore = counters("ringkv.antientropy.keys.repaired");
    Map<String, Long> sentBefore = counters("ringkv.antientropy.bytes.sent");
    Map<String, Long> exchangesBefore = counters("ringkv.antientropy.exchanges.completed");
    event("wiping " + victim.id + ": it holds " + ownedBefore + " keys of its ranges (trees.keys)");

    long t0 = System.nanoTime();
    victim.client.close();
    victim.client = null;
    victim.process.destroy(); // SIGTERM: the shutdown hook closes the stores
    if (!victim.process.waitFor(60, TimeUnit.SECONDS)) {
      NodeProcesses.kill9(victim.process);
      event(victim.id + " did not stop on SIGTERM within 60 s; SIGKILLed");
    }
    long stopMs = msSince(t0);
    event(victim.id + " stopped (SIGTERM, exit " + victim.process.exitValue() + ") in " + stopMs + " ms");
    try (Stream<Path> files = Files.list(victim.dataDir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        String line = name + " (" + Files.size(f) + " bytes)";
        if (name.startsWith("objects.") || name.startsWith("hints.")) {
          Files.delete(f);
          deleted.add(line);
        } else {
          kept.add(line);
        }
      }
    }
    event("deleted " + deleted + ", kept " + kept);

    Node seed = admin();
    long r0 = System.nanoTime();
    launch(victim);
    victim.client = connect(victim);
    long serving = msSince(r0);
    event(victim.id + " restarted and serving in " + serving + " ms");
    long repaired = -1;
    long treesComplete = -1;
    long firstKeys = -1;
    long underAtStart = -1;
    String error = null;
    long end = r0 + TimeUnit.MILLISECONDS.toNanos(o.repairBoundMs());
    long nextVerify = 0;
    while (System.nanoTime() < end) {
      long now = msSince(r0);
      long treeKeys = gauge(victim, "ringkv.antientropy.trees.keys");
      if (treesComplete < 0 && treeKeys >= ownedBefore) {
        treesComplete = now;
      }
      if (firstKeys < 0 && treeKeys > 0) {
        firstKeys = now;
      }
      if (now >= nextVerify) {
        nextVerify = now + o.verifyIntervalMs();
        Sample s = sample();
        progress.add(String.format(Locale.ROOT, "%7.1f s: %s holds %,d keys; VERIFY %s", now / 1000.0, victim.id,
            treeKeys, s.error() != null ? "failed: " + s.error()
                : String.format(Locale.ROOT, "%,d under-replicated, %,d misplaced%s", s.under(), s.misplaced(),
                    s.unanswered().isEmpty() ? "" : ", unanswered " + s.unanswered())));
        if (s.answeredByAll() && underAtStart < 0) {
          underAtStart = s.under();
        }
        if (s.answeredByAll() && s.under() == 0 && statusOf(seed, victim.id).equals("UP")) {
          repaired = now;
          break;
        }
      }
      Thread.sleep(250);
    }
    if (repaired < 0) {
      error = "not repaired within " + o.repairBoundMs() + " ms";
    }
    event(victim.id + (repaired >= 0 ? " repaired by anti-entropy " + repaired + " ms after its restart" : ": " + error));
    Map<String, Long> repairedAfter = counters("ringkv.antientropy.keys.repaired");
    Map<String, Long> sentAfter = counters("ringkv.antientropy.bytes.sent");
    Map<String, Long> exchangesAfter = counters("ringkv.antientropy.exchanges.completed");
    long moved = 0;
    long peersSent = 0;
    long exchanges = 0;
    for (Node n : running()) {
      if (n != victim) {
        moved += repairedAfter.getOrDefault(n.id, 0L) - repairedBefore.getOrDefault(n.id, 0L);
        peersSent += sentAfter.getOrDefault(n.id, 0L) - sentBefore.getOrDefault(n.id, 0L);
      } else {
        moved += repairedAfter.getOrDefault(n.id, 0L); // a fresh process: its counters start at 0
      }
      exchanges += exchangesAfter.getOrDefault(n.id, 0L) - (n == victim ? 0 : exchangesBefore.getOrDefault(n.id, 0L));
    }
    long received = counter(victim, "ringkv.antientropy.bytes.received");
    WhereCheck where = whereSample("on the repaired " + victim.id, victim.id, o.whereSample());
    return new Repair(victim.id, deleted, kept, ownedBefore, stopMs, serving, repaired, treesComplete, firstKeys,
        underAtStart, progress, moved, received, peersSent, exchanges, where, error);
  }

  // ---------------------------------------------------------------- metrics

  /** The run's Markdown report. */
  String report(Result r) {
    return new ScaleOutReport(o, ledger, nodes, procs::logFile).render(r);
  }

  private JsonNode metrics(Node n) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.metricsPort
          + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return json.readTree(r.body());
    } catch (IOException e) {
      return json.createObjectNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return json.createObjectNode();
    }
  }

  private long gauge(Node n, String name) {
    return metrics(n).path("gauges").path(name).path("value").asLong(-1);
  }

  private long counter(Node n, String name) {
    return metrics(n).path("counters").path(name).path("count").asLong(-1);
  }

  private Map<String, Long> gauges(String name) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Node n : running()) {
      m.put(n.id, gauge(n, name));
    }
    return m;
  }

  private Map<String, Long> counters(String name) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Node n : running()) {
      m.put(n.id, counter(n, name));
    }
    return m;
  }

  private long sumCounter(String name) {
    long sum = 0;
    for (long v : counters(name).values()) {
      sum += Math.max(0, v);
    }
    return sum;
  }
}
