package io.ringkv.node;

import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.node.ScaleOutRun.Change;
import io.ringkv.node.ScaleOutRun.Check;
import io.ringkv.node.ScaleOutRun.Node;
import io.ringkv.node.ScaleOutRun.Options;
import io.ringkv.node.ScaleOutRun.PhaseOps;
import io.ringkv.node.ScaleOutRun.Repair;
import io.ringkv.node.ScaleOutRun.Result;
import io.ringkv.node.ScaleOutRun.Sample;
import io.ringkv.node.ScaleOutRun.WhereCheck;
import io.ringkv.node.WriteLedger.Verdict;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/** The Markdown report of a {@link ScaleOutRun}: settings, membership changes, VERIFY over time, checks, repair. */
final class ScaleOutReport {
  private static final int N = ScaleOutRun.N;
  private final Options o;
  private final WriteLedger ledger;
  private final List<Node> nodes;
  private final IntFunction<File> logFile;

  ScaleOutReport(Options o, WriteLedger ledger, List<Node> nodes, IntFunction<File> logFile) {
    this.o = o;
    this.ledger = ledger;
    this.nodes = nodes;
    this.logFile = logFile;
  }

  String render(Result r) {
    StringBuilder b = new StringBuilder();
    AntiEntropyConfig ae = AntiEntropyConfig.DEFAULTS;
    b.append("# Scale-out run (issue 5): ").append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME))
        .append("\n\n");
    b.append("Verdict: **").append(r.passed(true) ? "PASS" : r.passed(false)
        ? "PASS except misplaced keys (VERIFY never reached 0 misplaced)" : "FAIL").append("**");
    if (r.error() != null) {
      b.append(" (aborted: `").append(r.error()).append("`)");
    }
    List<String> failures = new ArrayList<>();
    Check[] checks = {r.afterConvergence(), r.afterRepair(), r.gc() == null ? null : r.gc().after(),
        r.gc() == null ? null : r.gc().afterLeave()};
    for (Check c : checks) {
      if (c != null && c.count(Verdict.MISSING) + c.count(Verdict.RESURRECTED) + c.count(Verdict.UNKNOWN_VALUE)
          + c.unreadable() > 0) {
        failures.add(String.format(Locale.ROOT, "%s: %,d missing writes, %,d resurrected deletes, %,d unknown values,"
            + " %,d unreadable", c.when(), c.count(Verdict.MISSING), c.count(Verdict.RESURRECTED),
            c.count(Verdict.UNKNOWN_VALUE), c.unreadable()));
      }
    }
    if (r.underCleanMs() < 0) {
      failures.add("VERIFY never reached 0 under-replicated keys after the writer stopped");
    }
    if (r.repair() != null && r.repair().repairedMs() < 0) {
      failures.add("the wiped replica was not repaired within the bound");
    }
    if (!failures.isEmpty()) {
      b.append(" (").append(String.join("; ", failures)).append(')');
    }
    b.append("\n\n");
    b.append("Command: `").append(o.command()).append("` (bench/README.md). Nodes: real `NodeMain` processes on loopback, N=")
        .append(N).append(", default R=W=2, gossip 1 s, each node `-Xmx").append(o.nodeHeap()).append("`, ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores shared with the driver and others.\n\n");
    b.append("| setting | value |\n|---|---|\n");
    row(b, "keys loaded", String.format(Locale.ROOT, "%,d of %,d (%d loaders with %d writes in flight each, values of %d"
        + " bytes; a failed write retires its key)", r.keysLoaded(), o.keys(), o.loadThreads(), ScaleOutRun.LOAD_IN_FLIGHT,
        o.valueBytes()));
    row(b, "load time", String.format(Locale.ROOT, "%.1f s (%,.0f writes/s)", r.loadMs() / 1000.0,
        r.keysLoaded() * 1000.0 / Math.max(1, r.loadMs())));
    row(b, "writer during the changes", o.churnThreads() + " threads, " + o.churnOpsPerSecond()
        + " ops/s in all: 65% updates with the last write's context, 20% creates, 15% deletes; a key whose"
        + " operation failed is not touched again");
    row(b, "changes", "join n4, join n5, LEAVE n2" + (o.killRemove() ? ", SIGKILL + REMOVE n3" : ""));
    row(b, "anti-entropy (the node defaults; --anti-entropy-interval-ms, --tombstone-grace-ms not set)", String.format(Locale.ROOT,
        "exchange every %,d ms, %d in flight, scan %,d keys/s, %,d bytes/s, %,d objects/s, tombstone grace %,d ms,"
            + " GC every %,d ms", ae.exchangeIntervalMs(), ae.exchangesInFlightMax(), ae.scanKeysPerSecond(),
        ae.repairBytesPerSecond(), ae.repairKeysPerSecond(), ae.tombstoneGraceMs(), ae.gcIntervalMs()));
    row(b, "load average (1, 5, 15 min)", String.join("; ", r.loadAverages()));
    row(b, "run directory (logs)", "`" + o.runDir().toAbsolutePath() + "`");
    b.append('\n');

    b.append("## Membership changes (writer running)\n\n");
    b.append("Times from the launch of the process (joins) or the LEAVE request; \"seen\" is node n1's view, polled"
        + " every 100 ms.\n\n");
    b.append("| change | serving | JOINING seen | UP at n1 / left | UP everywhere / gone everywhere | JOINING -> UP | detail |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Change c : r.changes()) {
      b.append("| ").append(c.what()).append(" | ").append(ms(c.servingMs())).append(" | ").append(ms(c.joiningSeenMs()))
          .append(" | ").append(ms(c.upAtSeedMs())).append(" | ").append(ms(c.upEverywhereMs())).append(" | ")
          .append(c.joiningSeenMs() >= 0 ? ms(c.upAtSeedMs() - c.joiningSeenMs()) : "-").append(" | ")
          .append(c.detail().replace("|", "/")).append(" |\n");
    }
    b.append("\n| phase | from (s) | to (s) | writes acked | deletes acked | failed | errors | max latency |\n|---|---|---|---|---|---|---|---|\n");
    synchronized (r.phases()) {
      r.phases().entrySet().stream()
          .filter(e -> e.getValue().acked.sum() + e.getValue().ackedDeletes.sum() + e.getValue().failed.sum() > 0)
          .forEach(e -> {
            String name = e.getKey();
            PhaseOps p = e.getValue();
            b.append("| ").append(name).append(" | ")
          .append(name.equals("load") ? "-" : secs(p.startMs)).append(" | ")
          .append(name.equals("load") ? "-" : secs(p.endMs)).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", p.acked.sum())).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", p.ackedDeletes.sum())).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", p.failed.sum())).append(" | ")
          .append(errors(p)).append(" | ")
          .append(String.format(Locale.ROOT, "%.0f ms", p.maxLatencyMicros.get() / 1000.0)).append(" |\n");
          });
    }
    b.append('\n');

    b.append("## Convergence (VERIFY)\n\n");
    b.append(String.format(Locale.ROOT, "Writer stopped at %s. Under-replicated keys: 0 after %s. Misplaced keys: 0 after %s.%s\n\n",
        secs(r.writerStoppedAtMs()), r.underCleanMs() >= 0 ? ms(r.underCleanMs()) : "never (bound " + ms(o.underBoundMs()) + ")",
        r.cleanMs() >= 0 ? ms(r.cleanMs()) : "never (waited " + ms(o.misplacedBoundMs()) + " more)",
        r.cleanMs() < 0 && r.last() != null && r.last().misplaced() > 0
            ? " Still misplaced at the end: " + String.format(Locale.ROOT, "%,d", r.last().misplaced())
                + " (on a build where former owners keep what they handed to a joining node, those copies)."
            : ""));
    if (!r.keysPerNode().isEmpty()) {
      b.append("Keys per node after convergence (trees.keys: keys of the ranges the node replicates): ")
          .append(r.keysPerNode()).append(".\n\n");
    }
    b.append("| t (s, from the writer's start) | phase | keys | under-replicated | misplaced | unanswered | VERIFY took |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Sample s : r.samples()) {
      b.append("| ").append(secs(s.atMs())).append(" | ").append(s.phase()).append(" | ");
      if (s.error() != null) {
        b.append("failed: ").append(s.error().replace("|", "/")).append(" | | | | ");
      } else {
        b.append(String.format(Locale.ROOT, "%,d | %,d | %,d | %s | ", s.keys(), s.under(), s.misplaced(),
            s.unanswered().isEmpty() ? "" : String.join(",", s.unanswered()) + (s.truncated() ? " (truncated)" : "")));
      }
      b.append(ms(s.tookMs())).append(" |\n");
    }
    b.append('\n');

    b.append("## Acknowledged writes and deletes\n\n");
    b.append(String.format(Locale.ROOT, "In all: %,d writes and %,d deletes acknowledged, %,d writes and %,d deletes"
            + " failed (their keys retired: either outcome is accepted).%n%n",
        ledger.ackedPuts.sum(), ledger.ackedDeletes.sum(), ledger.failedPuts.sum(), ledger.failedDeletes.sum()));
    b.append(String.format(Locale.ROOT, "The writers' clients failed over %d times; %,d writes were in flight"
        + " around a failover and may have been sent twice (a retried write's second copy left beside what"
        + " came after it is counted apart, as a retried-write sibling).%n%n", r.clientFailovers(),
        r.writesMaybeSentTwice()));
    b.append("| check | keys | live | deleted | retired | OK | missing writes | resurrected deletes | unknown values"
        + " | stale siblings | retried-write siblings | unreadable | took |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    Check afterGc = r.gc() == null ? null : r.gc().after();
    Check afterLeave = r.gc() == null ? null : r.gc().afterLeave();
    for (Check c : new Check[] {r.afterConvergence(), r.afterRepair(), afterGc, afterLeave}) {
      if (c == null) {
        continue;
      }
      b.append(String.format(Locale.ROOT, "| read at R=%d %s | %,d | %,d | %,d | %,d | %,d | **%,d** | **%,d** | %,d"
              + " | %,d | %,d | %,d | %s |\n",
          N, c.when(), c.keys(), c.liveKeys(), c.deletedKeys(), c.retiredKeys(), c.count(Verdict.OK),
          c.count(Verdict.MISSING), c.count(Verdict.RESURRECTED), c.count(Verdict.UNKNOWN_VALUE),
          c.count(Verdict.STALE), c.count(Verdict.RETRIED_SIBLING), c.unreadable(), ms(c.tookMs())));
    }
    for (Check c : new Check[] {r.afterConvergence(), r.afterRepair(), afterGc, afterLeave}) {
      if (c != null && !c.examples().isEmpty()) {
        b.append("\nExamples ").append(c.when()).append(":\n\n");
        c.examples().forEach(e -> b.append("* `").append(e).append("`\n"));
      }
    }
    if (r.where() != null) {
      b.append('\n');
      where(b, r.where());
    }
    b.append(String.format(Locale.ROOT, "%nTombstones purged by GC before the end of the repair (all nodes): %s.%n%n",
        r.tombstonesPurged() < 0 ? "unknown" : Long.toString(r.tombstonesPurged())));
    if (r.gc() != null) {
      ScaleOutRun.Gc g = r.gc();
      b.append(String.format(Locale.ROOT, "### Tombstone GC%n%nAfter the repair the run waited for GC (grace %,d ms,"
              + " a sweep every %,d ms, a purge needs every replica's confirmation): %,d of %,d tombstone copies"
              + " (N per acknowledged delete) purged after %s. VERIFY then: %s. Its read check is the table's"
              + " third row. Then every node but n1 was restarted (the purge logs that guard purged keys live in"
              + " memory) and n1, a former owner of the ranges n4 and n5 took, LEAVEs: it streams every object it"
              + " stores, the copies it kept of those ranges included. The read check after that is the fourth row.%n%n```%n", AntiEntropyConfig.DEFAULTS.tombstoneGraceMs(),
          AntiEntropyConfig.DEFAULTS.gcIntervalMs(), g.purged(), g.expected(), ms(g.waitedMs()),
          g.verify().error() != null ? "failed: " + g.verify().error()
              : String.format(Locale.ROOT, "%,d keys, %,d under-replicated, %,d misplaced", g.verify().keys(),
                  g.verify().under(), g.verify().misplaced())));
      g.progress().forEach(l -> b.append(l).append('\n'));
      g.restarts().forEach(l -> b.append(l).append('\n'));
      if (g.leave() != null) {
        b.append(g.leave().what()).append(": ").append(g.leave().detail()).append('\n');
      }
      b.append("```\n\n");
    }

    b.append("## Wiped replica, repaired by anti-entropy alone\n\n");
    Repair p = r.repair();
    if (p == null) {
      b.append("Not reached.\n\n");
    } else {
      b.append(String.format(Locale.ROOT, "The writer was stopped; %s was stopped with SIGTERM (%s), its object store"
              + " deleted and the node restarted with the same flags. No client read any key until the end of the"
              + " repair (VERIFY lists key tokens; it neither reads objects nor repairs).%n%n",
          p.node(), ms(p.stopMs())));
      b.append("| | |\n|---|---|\n");
      row(b, "deleted", String.join(", ", p.deleted()));
      row(b, "kept", String.join(", ", p.kept())
          + " (identity: the node comes back as itself with its tokens; dot lease: no dot it minted is reused)");
      row(b, "keys it held before (trees.keys)", String.format(Locale.ROOT, "%,d", p.ownedKeysBefore()));
      row(b, "restart -> serving", ms(p.servingMs()));
      row(b, "under-replicated at the first complete VERIFY", String.format(Locale.ROOT, "%,d", p.underAtStart()));
      row(b, "**restart -> VERIFY 0 under-replicated**", p.repairedMs() >= 0 ? "**" + ms(p.repairedMs()) + "**"
          : "not within " + ms(o.repairBoundMs()));
      row(b, "restart -> its trees count as many keys as before", p.treeKeysCompleteMs() >= 0
          ? ms(p.treeKeysCompleteMs()) : "not reached");
      row(b, "objects moved (keys.repaired, all nodes)", String.format(Locale.ROOT, "%,d", p.objectsMoved()));
      row(b, "bytes received by the wiped node", String.format(Locale.ROOT, "%,d", p.bytesReceived()));
      row(b, "bytes sent by its peers", String.format(Locale.ROOT, "%,d", p.bytesSentByPeers()));
      row(b, "exchanges completed (all nodes, during the repair)", Long.toString(p.exchanges()));
      row(b, "restart -> its first repaired key", ms(p.firstKeysMs()));
      if (p.repairedMs() > 0) {
        row(b, "rate over the whole repair (restart -> 0 under-replicated)", String.format(Locale.ROOT,
            "%,.0f objects/s, %,.0f KB/s sent by the peers", p.objectsMoved() * 1000.0 / p.repairedMs(),
            p.bytesSentByPeers() / 1.024 / p.repairedMs()));
      }
      if (p.firstKeysMs() >= 0 && p.treeKeysCompleteMs() > p.firstKeysMs()) {
        long active = p.treeKeysCompleteMs() - p.firstKeysMs();
        row(b, "rate while keys arrived (first key -> all keys, 250 ms polls)", String.format(Locale.ROOT,
            "%,.0f objects/s over %s", p.ownedKeysBefore() * 1000.0 / active, ms(active)));
      }
      b.append("\nProgress:\n\n```\n");
      p.progress().forEach(l -> b.append(l).append('\n'));
      b.append("```\n\n");
      where(b, p.where());
    }

    b.append("\n## Nodes\n\n| node | pid(s) | log(s) | fate |\n|---|---|---|---|\n");
    for (Node n : nodes) {
      List<String> logs = new ArrayList<>();
      for (int i : n.logs) {
        logs.add("node-" + i + ".log" + problems(i));
      }
      b.append("| ").append(n.id).append(" | ").append(n.pids).append(" | ").append(String.join(", ", logs))
          .append(" | ").append(n.fate).append(" |\n");
    }
    b.append("\n## Timeline\n\n```\n");
    r.events().forEach(e -> b.append(e).append('\n'));
    b.append("```\n");
    return b.toString();
  }

  private String problems(int logIndex) {
    try (Stream<String> lines = Files.lines(logFile.apply(logIndex).toPath())) {
      long[] c = new long[2];
      lines.forEach(l -> {
        if (l.contains(" ERROR ")) {
          c[0]++;
        } else if (l.contains(" WARN ")) {
          c[1]++;
        }
      });
      return " (" + c[0] + " ERROR, " + c[1] + " WARN lines)";
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  private static String errors(PhaseOps p) {
    List<String> e = new ArrayList<>();
    p.errors.forEach((code, n) -> e.add(code + " " + n.sum()));
    Collections.sort(e);
    return String.join(", ", e);
  }

  private static void where(StringBuilder b, WhereCheck w) {
    b.append(String.format(Locale.ROOT, "WHERE %s: %,d keys, %,d copies read from the replicas directly: **%d not as"
            + " acknowledged**, %d with an extra (stale or retried-write) sibling, %d unanswered, %d keys without %d"
            + " primaries.%n", w.when(), w.keys(), w.replicasChecked(), w.mismatches(), w.extraSiblings(),
        w.notAnswered(), w.wrongOwnerCount(), N));
    w.examples().forEach(e -> b.append("* `").append(e).append("`\n"));
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(v.replace("|", "/")).append(" |\n");
  }

  private static String ms(long ms) {
    if (ms < 0) {
      return "-";
    }
    return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  private static String secs(long ms) {
    return ms < 0 ? "-" : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
  }
}
