package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientListener;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.DeleteResult;
import io.ringkv.client.GetResult;
import io.ringkv.client.NoNodeReachableException;
import io.ringkv.client.PutResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import io.ringkv.client.VerifyResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The ringkv REPL, without a terminal: commands come from a {@link LineSource}, answers go to
 * {@code out}, one-line errors ({@code Error: ...}) to {@code err}. {@link #run} returns whether every
 * command succeeded, which becomes the exit status.
 *
 * <p>Writes follow Dynamo's read-then-write contract: the session remembers the causal context of the
 * last read (or write) of each key ({@link ContextMemory}) and sends it with the next SET or DELETE of
 * that key, so the write replaces what was read while a truly concurrent write from elsewhere becomes a
 * sibling. A SET or DELETE of a key this session has not read first reads the key's current context,
 * so SET overwrites what exists (seed 002: "If a key specified in SET already exists in a database the
 * value should be overwritten").
 *
 * <p>A DELETE that finds no live value prints {@code Not found}, like GET, and still succeeds: the key
 * is absent either way, and the tombstone is written anyway in case a replica the read missed holds it.
 */
public final class Repl {
  /** The REPL's own bound on one call, above the client's request timeout (5 s) and its failover. */
  static final long CALL_TIMEOUT_MS = 30_000;
  /**
   * VERIFY's own bound: above the client's VERIFY timeout (70 s), which is above a node's (60 s), so a
   * slow VERIFY reports which nodes did not answer instead of this session giving up first.
   */
  static final long VERIFY_CALL_TIMEOUT_MS = 90_000;
  /** Width of the bar RING draws for a node owning the whole ring. */
  static final int RING_BAR_WIDTH = 40;
  /** WHERE shows at most this many characters of a value. */
  static final int WHERE_VALUE_MAX_CHARS = 60;
  /** While LEAVE or REMOVE runs, how often the session looks for a new progress line in its node's heartbeat. */
  static final long LEAVE_PROGRESS_POLL_MS = 500;
  /** VERIFY --wait: the longest pause between two checks (shorter when the cleanup starts sooner). */
  static final long VERIFY_WAIT_POLL_MS = 2_000;
  /** VERIFY --wait: the longest wait one command accepts (an hour). */
  static final int VERIFY_WAIT_MAX_SECONDS = 3_600;

  /** The command words, for completion and for splitting {@code -e} scripts. */
  static final List<String> COMMANDS = List.of(
      "GET", "SET", "PUT", "DELETE", "DEL", "WHERE", "KEYS", "NODES", "RING", "VERIFY", "REMOVE", "LEAVE", "STOP",
      "KILL", "CONSISTENCY", "HELP", "QUIT", "EXIT");
  static final Set<String> COMMAND_SET = Set.copyOf(COMMANDS);

  private static final String HELP = String.join("\n",
      "Commands (case-insensitive):",
      "  GET key                 the value, or every sibling when writes were concurrent",
      "  SET key value           store value (alias PUT); overwrites what this session last read",
      "  DELETE key              delete the key (alias DEL)",
      "  WHERE key               what each replica of the key holds",
      "  KEYS [node-id] [LIMIT n] the cluster's keys in byte order (a walk of the ring), or one node's;",
      "                          the first n (default 100); each page costs every node a scan of its store",
      "  VERIFY [--wait SECONDS] check that every key is held by its N owners, and only by them;",
      "                          --wait: check again until it is so (e.g. while cleanup after a join is due)",
      "  REMOVE node-id          remove a dead node from the ring for good (asks to confirm)",
      "  LEAVE                   decommission the node this session is on: hand over its data, leave, stop",
      "  STOP node-id            stop a live node cleanly: it flushes and exits (alias KILL; asks to confirm);",
      "                          restarted with its data dir it comes back, hints and anti-entropy catch it up",
      "  NODES                   the cluster's nodes: id, address, status, role (owner, joining, leaving,",
      "                          stand-in holding hints), tokens, ownership, and what busy nodes are doing",
      "  RING                    each node's share of the ring",
      "  CONSISTENCY [R W]       show or set this session's read/write quorums (0 = node default);",
      "                          also CONSISTENCY ONE | QUORUM | ALL | DEFAULT;",
      "                          CONSISTENCY STRICT | DOWNGRADE: fail, or answer from the replicas that are",
      "                          left (with a warning), when too few are alive for the quorum",
      "  HELP                    this text",
      "  QUIT, EXIT, Ctrl-D      leave",
      "The value is the rest of the line; one pair of enclosing quotes is removed:",
      "  SET 0d5d3807-5fbf-4228-a657-5a091c4e497f '{\"name\": \"Chapayev's Mustache comb\"}'");

  private final RingkvClient client;
  private final PrintWriter out;
  private final PrintWriter err;
  private final ContextMemory contexts;
  private final Set<String> shownWarnings = new LinkedHashSet<>();
  private RequestOptions options = RequestOptions.DEFAULTS;
  private volatile LineSource source;
  /** Waiting between VERIFY --wait checks and its clock (System.nanoTime); replaceable by tests. */
  interface Pause {
    void sleep(long millis) throws InterruptedException;
  }

  Pause pause = Thread::sleep;
  java.util.function.LongSupplier nanoClock = System::nanoTime;
  private boolean quit;

  public Repl(RingkvClient client, PrintWriter out, PrintWriter err) {
    this(client, out, err, ContextMemory.DEFAULT_MAX_KEYS);
  }

  /**
   * Whether reads and writes answer from the replicas that are alive when too few are for the quorum
   * (the client's downgrading retry policy, {@link RequestOptions#downgrade()}), with a warning; off:
   * such a request fails. Interactive sessions start with it on, scripts off unless {@code --downgrade}.
   */
  public void downgrade(boolean on) {
    options = options.withDowngrade(on);
  }

  Repl(RingkvClient client, PrintWriter out, PrintWriter err, int maxRememberedKeys) {
    this.client = client;
    this.out = out;
    this.err = err;
    this.contexts = new ContextMemory(maxRememberedKeys);
    client.addListener(new Listener());
  }

  /** Prints the banner, runs every command from {@code in} until the end or QUIT; true if all succeeded. */
  public boolean run(LineSource in) {
    source = in;
    String banner;
    synchronized (shownWarnings) {
      banner = banner("Connected", client.currentNode(), client.lastInfo());
    }
    out.println(banner);
    out.flush();
    boolean ok = true;
    while (!quit) {
      String line;
      try {
        line = in.readLine();
      } catch (IOException e) {
        printError("reading input: " + e.getMessage());
        ok = false;
        break;
      }
      if (line == null) {
        break;
      }
      ok &= execute(line);
    }
    out.flush();
    err.flush();
    return ok;
  }

  /** Runs one command line; false when it failed (its error is already printed). */
  public boolean execute(String line) {
    CommandText.Command command = CommandText.command(line);
    if (command == null) {
      return true;
    }
    Thread.interrupted(); // a Ctrl-C that arrived between commands is not meant for this one
    try {
      switch (command.verb()) {
        case "GET" -> get(command.rest());
        case "SET", "PUT" -> set(command.verb(), command.rest());
        case "DELETE", "DEL" -> delete(command.rest());
        case "WHERE" -> where(command.rest());
        case "NODES" -> nodes(command.rest());
        case "RING" -> ring(command.rest());
        case "KEYS" -> keys(command.rest());
        case "VERIFY" -> verify(command.rest());
        case "REMOVE" -> remove(command.rest());
        case "LEAVE" -> leave(command.rest());
        case "STOP", "KILL" -> stop(command.verb(), command.rest());
        case "CONSISTENCY" -> consistency(command.rest());
        case "HELP" -> out.println(HELP);
        case "QUIT", "EXIT" -> quit = true;
        default -> throw new CommandFailed(
            "unknown command '" + line.strip().split("\\s+", 2)[0] + "'; type HELP for the list of commands");
      }
      return true;
    } catch (CommandFailed e) {
      out.flush();
      printError(e.getMessage());
      return false;
    } finally {
      out.flush();
    }
  }

  /** True once QUIT or EXIT ran. */
  public boolean quitRequested() {
    return quit;
  }

  private void get(String rest) {
    String key = keyOnly("GET", rest);
    GetResult result = call(() -> client.get(bytes(key), options), "read");
    contexts.remember(key, result.context());
    List<byte[]> values = result.values();
    if (values.isEmpty()) {
      out.println("Not found");
    } else if (values.size() == 1) {
      out.println(text(values.get(0)));
    } else {
      out.println(values.size() + " siblings (concurrent writes):");
      for (int i = 0; i < values.size(); i++) {
        out.println("  " + (i + 1) + ") " + text(values.get(i)));
      }
      out.println("(a SET of this key now replaces all of them)");
    }
    if (result.downgraded()) {
      out.println(result.replicas() >= result.downgradedFrom()
          // the owners' quorum failed and the sloppy retry made it up with stand-ins
          ? "WARNING: answered by " + result.replicas() + " replicas counting stand-ins (a quorum of the key's"
              + " owners not reachable); the value may be stale"
          : "WARNING: answered by " + result.replicas() + " of " + result.downgradedFrom()
              + " replicas (quorum not reachable); the value may be stale");
    }
  }

  private void set(String verb, String rest) {
    CommandText.KeyAndRest keyAndRest = keyAndRest(verb + " key value", rest);
    if (keyAndRest.rest().isEmpty()) {
      throw new CommandFailed("usage: " + verb + " key value");
    }
    String key = keyAndRest.key();
    byte[] value = bytes(CommandText.value(keyAndRest.rest()));
    CausalContext context = contextForWrite(key);
    PutResult result = call(() -> client.put(bytes(key), value, context, options), "write");
    contexts.remember(key, result.context());
    out.println((result.created() ? "Created" : "Updated") + " (" + acknowledged(result.acks(), result.downgradedFrom()) + ")");
  }

  private void delete(String rest) {
    String key = keyOnly("DELETE", rest);
    CausalContext context = contextForWrite(key);
    DeleteResult result = call(() -> client.delete(bytes(key), context, options), "write");
    contexts.forget(key);
    out.println(result.existed() ? "Deleted (" + acknowledged(result.acks(), result.downgradedFrom()) + ")" : "Not found");
  }

  /**
   * "2 replicas", or "1 replica; W=2 not reachable" for a write the client downgraded, or "2 replicas
   * counting stand-ins; W=2 owners not reachable" when the downgraded (sloppy) retry met W with stand-ins.
   */
  static String acknowledged(int acks, int downgradedFrom) {
    if (downgradedFrom <= 0) {
      return replicas(acks);
    }
    return acks >= downgradedFrom
        ? replicas(acks) + " counting stand-ins; W=" + downgradedFrom + " owners not reachable"
        : replicas(acks) + "; W=" + downgradedFrom + " not reachable";
  }

  /** The context this session last saw for the key, or the key's current one read now. */
  private CausalContext contextForWrite(String key) {
    CausalContext remembered = contexts.get(key);
    if (remembered != null) {
      return remembered;
    }
    return call(() -> client.get(bytes(key), options), "write").context();
  }

  private void where(String rest) {
    String key = keyOnly("WHERE", rest);
    List<ClusterInfo.ReplicaState> replicas = call(() -> client.where(bytes(key)), "read");
    if (replicas.isEmpty()) {
      out.println("No replicas (the ring is empty)");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ROLE", "NODE", "ADDRESS", "HOLDS"});
    for (ClusterInfo.ReplicaState replica : replicas) {
      rows.add(new String[] {replica.role(), replica.nodeId(), String.valueOf(replica.endpoint()), holds(replica)});
    }
    printTable(rows);
  }

  private static String holds(ClusterInfo.ReplicaState replica) {
    if (!replica.answered()) {
      return "no answer";
    }
    List<String> parts = new ArrayList<>();
    List<byte[]> values = replica.values();
    if (values.size() == 1) {
      parts.add("value " + shortText(values.get(0)));
    } else if (values.size() > 1) {
      List<String> shown = new ArrayList<>();
      for (byte[] v : values) {
        shown.add(shortText(v));
      }
      parts.add(values.size() + " siblings " + String.join(" | ", shown));
    }
    if (replica.tombstones() > 0) {
      parts.add(replica.tombstones() + (replica.tombstones() == 1 ? " tombstone" : " tombstones"));
    }
    return parts.isEmpty() ? "nothing" : String.join(", ", parts);
  }

  private void remove(String rest) {
    String id = rest.strip();
    if (id.isEmpty() || id.contains(" ")) {
      throw new CommandFailed("usage: REMOVE node-id");
    }
    if (!confirmed("REMOVE takes " + id + " out of the ring for good: its ranges pass to other nodes.")) {
      out.println("Not removed");
      return;
    }
    // the line comes once the node accepted (a refusal, e.g. "it is alive", answers at once)
    awaitShowingProgress(client.removeNode(id), client.currentNode(), "remove " + id,
        "Removing " + id + ": the other nodes hand its ranges' data to the new owners (progress here, in NODES"
            + " and in the logs) ...", "interrupted; the removal goes on (NODES shows it)");
  }

  private void stop(String verb, String rest) {
    String id = rest.strip();
    if (id.isEmpty() || id.contains(" ")) {
      throw new CommandFailed("usage: " + verb + " node-id (NODES lists the ids)");
    }
    if (!confirmed("STOP shuts " + id + " down: it flushes its data and its process exits (start it again to bring"
        + " it back).")) {
      out.println("Not stopped");
      return;
    }
    out.println(call(() -> client.stopNode(id), "stop " + id));
  }

  private void leave(String rest) {
    noArguments("LEAVE", rest);
    NodeAddress node = client.currentNode();
    ClusterInfo info = client.lastInfo();
    String nodeId = info == null ? null : info.nodeId();
    String named = nodeId == null ? String.valueOf(node) : nodeId + " (" + node + ")";
    if (!confirmed("LEAVE decommissions " + named + ": it hands its data to the other nodes, leaves the ring and stops.")) {
      out.println("Not left");
      return;
    }
    out.println("Leaving: " + node + " is handing over its data (progress here, in NODES and in its log) ...");
    out.flush();
    // by id: if the session failed over meanwhile, the other node refuses instead of leaving too
    CompletableFuture<String> f = nodeId == null ? client.leave() : client.leave(nodeId);
    awaitShowingProgress(f, node, "leave", null, "interrupted; the node goes on leaving");
  }

  /**
   * Waits for a long admin call (LEAVE, REMOVE) and prints its answer; meanwhile prints {@code started}
   * (when not null) once the call has not answered within a poll, and the activity line the heartbeat's
   * INFO shows for {@code node} whenever it changes.
   */
  private void awaitShowingProgress(CompletableFuture<String> f, NodeAddress node, String what, String started,
      String interrupted) {
    try {
      String shown = "";
      boolean startShown = started == null;
      while (true) {
        try {
          out.println(f.get(LEAVE_PROGRESS_POLL_MS, TimeUnit.MILLISECONDS));
          break;
        } catch (TimeoutException e) {
          if (!startShown) {
            startShown = true;
            out.println(started);
            out.flush();
          }
          String progress = activityOf(client.lastInfo(), node);
          if (!progress.isEmpty() && !progress.equals(shown)) {
            shown = progress;
            out.println("  " + progress);
            out.flush();
          }
        }
      }
    } catch (ExecutionException e) {
      throw failure(e.getCause() == null ? e : e.getCause(), what);
    } catch (InterruptedException e) {
      throw new CommandFailed(interrupted);
    }
  }

  /** The activity the heartbeat's {@code info} shows for the node at {@code endpoint}, "" when none. */
  private static String activityOf(ClusterInfo info, NodeAddress endpoint) {
    if (info == null) {
      return "";
    }
    for (ClusterInfo.Node n : info.nodes()) {
      if (endpoint != null && endpoint.equals(n.endpoint())) {
        return n.activity();
      }
    }
    return "";
  }

  /** At a terminal, asks the operator to type yes; scripts and pipes (-e, stdin) go on without asking. */
  private boolean confirmed(String what) {
    if (!source.isTerminal()) {
      return true;
    }
    out.println(what + " Type yes to go on:");
    out.flush();
    String answer;
    try {
      answer = source.readLine();
    } catch (java.io.IOException e) {
      answer = null;
    }
    return answer != null && answer.strip().equalsIgnoreCase("yes");
  }

  /** KEYS [node-id] [LIMIT n]: pages of at most 1,000 keys until n are printed or there are no more. */
  private void keys(String rest) {
    String[] args = rest.isBlank() ? new String[0] : rest.strip().split("\\s+");
    String nodeId = null;
    int limit = 100;
    int i = 0;
    if (i < args.length && !args[i].equalsIgnoreCase("LIMIT")) {
      nodeId = args[i++];
    }
    if (i < args.length) {
      if (!args[i].equalsIgnoreCase("LIMIT") || i + 2 != args.length) {
        throw new CommandFailed("usage: KEYS [node-id] [LIMIT n]");
      }
      try {
        limit = Integer.parseInt(args[i + 1]);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1) {
        throw new CommandFailed("LIMIT must be a number of keys >= 1, got '" + args[i + 1] + "'");
      }
    }
    String node = nodeId;
    byte[] after = null;
    int printed = 0;
    boolean more = true;
    Set<String> unanswered = new LinkedHashSet<>();
    while (more && printed < limit) {
      byte[] from = after;
      int page = Math.min(1_000, limit - printed);
      io.ringkv.client.KeysPage keys = call(() -> client.keys(node, from, page), "list keys");
      for (byte[] key : keys.keys()) {
        out.println(new String(key, java.nio.charset.StandardCharsets.UTF_8));
      }
      printed += keys.keys().size();
      unanswered.addAll(keys.unanswered());
      more = keys.more() && !keys.keys().isEmpty();
      after = keys.keys().isEmpty() ? after : keys.keys().get(keys.keys().size() - 1);
    }
    out.println("(" + printed + (printed == 1 ? " key" : " keys") + (node == null ? "" : " on " + node)
        + (more ? "; more: raise LIMIT" : "") + ")");
    if (!unanswered.isEmpty()) {
      out.println("No answer from: " + String.join(", ", unanswered) + " (keys only they hold are missing)");
    }
  }

  private void verify(String rest) {
    String[] args = rest.isBlank() ? new String[0] : rest.strip().split("\\s+");
    long waitSeconds = 0;
    if (args.length == 2 && args[0].equalsIgnoreCase("--wait")) {
      try {
        waitSeconds = Integer.parseInt(args[1]);
      } catch (NumberFormatException e) {
        waitSeconds = -1;
      }
      if (waitSeconds < 1 || waitSeconds > VERIFY_WAIT_MAX_SECONDS) {
        throw new CommandFailed("--wait takes a number of seconds between 1 and " + VERIFY_WAIT_MAX_SECONDS
            + ", got '" + args[1] + "'");
      }
    } else if (args.length != 0) {
      throw new CommandFailed("usage: VERIFY [--wait SECONDS]");
    }
    long deadline = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(waitSeconds);
    VerifyResult r = call(client::verify, "verify", VERIFY_CALL_TIMEOUT_MS);
    while (!r.clean() && waitSeconds > 0 && nanoClock.getAsLong() - deadline < 0) {
      long pauseMs = r.cleanupStartsInMs() > 0 ? Math.min(VERIFY_WAIT_POLL_MS, r.cleanupStartsInMs() + 500)
          : VERIFY_WAIT_POLL_MS;
      pauseMs = Math.min(pauseMs, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - nanoClock.getAsLong())));
      out.println("  not yet: " + verifyCounts(r) + cleanupNote(r) + "; checking again in "
          + Math.max(1, Math.round(pauseMs / 1000.0)) + " s");
      out.flush();
      try {
        pause.sleep(pauseMs);
      } catch (InterruptedException e) {
        throw new CommandFailed("interrupted; VERIFY did not see a clean ring yet");
      }
      r = call(client::verify, "verify", VERIFY_CALL_TIMEOUT_MS);
    }
    out.println("Checked " + String.format(Locale.ROOT, "%,d", r.keys()) + (r.keys() == 1 ? " key: " : " keys: ")
        + verifyCounts(r) + cleanupNote(r));
    if (!r.unanswered().isEmpty()) {
      out.println("No answer from: " + String.join(", ", r.unanswered()) + " (their keys are not counted)");
    }
    if (r.truncated()) {
      out.println("Partial: a node holds more keys than one check reads");
    }
    if (!r.clean()) {
      throw new CommandFailed("VERIFY found keys that are not on exactly their owners"
          + (waitSeconds > 0 ? " after waiting " + waitSeconds + " s"
              : r.cleanupPending() && r.misplaced() > 0 ? " (VERIFY --wait SECONDS waits for the cleanup)" : ""));
    }
  }

  private static String verifyCounts(VerifyResult r) {
    return String.format(Locale.ROOT, "%,d under-replicated (held by fewer than their owners), %,d misplaced"
        + " (held by a non-owner)", r.underReplicated(), r.misplaced());
  }

  /** ", cleanup after the last ring change starts in 6 s" when misplaced copies are about to be dropped. */
  private static String cleanupNote(VerifyResult r) {
    if (r.misplaced() == 0 || !r.cleanupPending()) {
      return "";
    }
    return r.cleanupStartsInMs() == 0 ? ", cleanup after the last ring change is running"
        : ", cleanup after the last ring change starts in " + Math.max(1, (r.cleanupStartsInMs() + 999) / 1000) + " s";
  }

  private void nodes(String rest) {
    noArguments("NODES", rest);
    ClusterInfo info = call(client::info, "read");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "ADDRESS", "STATUS", "ROLE", "TOKENS", "OWNS"});
    for (ClusterInfo.Node node : info.nodes()) {
      rows.add(new String[] {node.id(), String.valueOf(node.endpoint()), node.status(), node.role(),
          String.valueOf(node.tokens()), percent(node.ownership())});
    }
    printTable(rows);
    for (ClusterInfo.Node node : info.nodes()) {
      if (!node.activity().isEmpty()) {
        out.println(node.id() + ": " + oneLine(node.activity()));
      }
    }
  }

  private void ring(String rest) {
    noArguments("RING", rest);
    ClusterInfo info = call(client::info, "read");
    List<String[]> rows = new ArrayList<>();
    for (ClusterInfo.Node node : info.nodes()) {
      int bar = (int) Math.round(Math.max(0, Math.min(1, node.ownership())) * RING_BAR_WIDTH);
      rows.add(new String[] {node.id(), String.valueOf(node.endpoint()), percent(node.ownership()), "#".repeat(bar)});
    }
    printTable(rows);
  }

  private void consistency(String rest) {
    String[] args = rest.isBlank() ? new String[0] : rest.strip().split("\\s+");
    ClusterInfo info = client.lastInfo();
    int n = info == null ? 0 : info.replicationFactor();
    if (args.length == 0) {
      out.println("Consistency: R=" + quorum(options.r(), info == null ? 0 : info.defaultR())
          + ", W=" + quorum(options.w(), info == null ? 0 : info.defaultW()) + ", "
          + (options.downgrade() ? "DOWNGRADE" : "STRICT"));
      return;
    }
    if (args.length == 1 && (args[0].equalsIgnoreCase("STRICT") || args[0].equalsIgnoreCase("DOWNGRADE"))) {
      downgrade(args[0].equalsIgnoreCase("DOWNGRADE"));
      out.println("Consistency: " + downgradeText());
      return;
    }
    int r;
    int w;
    if (args.length == 1) {
      switch (args[0].toUpperCase(Locale.ROOT)) {
        case "DEFAULT" -> r = w = 0;
        case "ONE" -> r = w = 1;
        case "QUORUM" -> r = w = requireN(n, "QUORUM") / 2 + 1;
        case "ALL" -> r = w = requireN(n, "ALL");
        default -> throw new CommandFailed(CONSISTENCY_USAGE);
      }
    } else if (args.length == 2) {
      r = quorumArgument("R", args[0], n);
      w = quorumArgument("W", args[1], n);
    } else {
      throw new CommandFailed(CONSISTENCY_USAGE);
    }
    options = options.withQuorums(r, w);
    out.println("Consistency set to R=" + quorum(r, info == null ? 0 : info.defaultR())
        + ", W=" + quorum(w, info == null ? 0 : info.defaultW()));
  }

  private static final String CONSISTENCY_USAGE =
      "usage: CONSISTENCY [R W] or CONSISTENCY ONE|QUORUM|ALL|DEFAULT|STRICT|DOWNGRADE";

  private String downgradeText() {
    return options.downgrade()
        ? "DOWNGRADE (when too few replicas are alive, answer from those left, with a warning)"
        : "STRICT (a read or write fails when too few replicas are alive)";
  }

  /** The session's request options (quorums set by CONSISTENCY). */
  RequestOptions options() {
    return options;
  }

  private static int requireN(int n, String level) {
    if (n <= 0) {
      throw new CommandFailed("the replication factor is unknown, so " + level + " cannot be computed; give R and W");
    }
    return n;
  }

  private static int quorumArgument(String name, String text, int n) {
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new CommandFailed(name + " must be a number, got '" + text + "'");
    }
    if (value < 0 || (n > 0 && value > n)) {
      throw new CommandFailed(name + " must be between 0 (node default) and the replication factor "
          + (n > 0 ? "(" + n + ")" : "") + ", got " + value);
    }
    return value;
  }

  private static String quorum(int value, int nodeDefault) {
    if (value != 0) {
      return String.valueOf(value);
    }
    return nodeDefault > 0 ? "node default (" + nodeDefault + ")" : "node default";
  }

  // ---- asynchronous events -------------------------------------------------------------------

  private final class Listener implements ClientListener {
    @Override
    public void onReconnected(NodeAddress now, ClusterInfo info) {
      String text;
      synchronized (shownWarnings) {
        text = banner("Reconnected", now, info);
      }
      notice(text);
    }

    @Override
    public void onWarningsChanged(List<String> warnings) {
      List<String> lines = new ArrayList<>();
      synchronized (shownWarnings) {
        for (String warning : warnings) {
          if (!shownWarnings.contains(warning)) {
            lines.add(warningLine(warning));
          }
        }
        if (warnings.isEmpty() && !shownWarnings.isEmpty()) {
          lines.add("Cluster warnings cleared");
        }
        shownWarnings.clear();
        shownWarnings.addAll(warnings);
      }
      if (!lines.isEmpty()) {
        notice(String.join("\n", lines));
      }
    }
  }

  /**
   * The connect/reconnect banner of seed 002: the node, the known (not DOWN) nodes, and the warnings
   * not shown yet. Caller holds {@code shownWarnings}.
   */
  private String banner(String verb, NodeAddress node, ClusterInfo info) {
    List<String> lines = new ArrayList<>();
    lines.add(verb + " to ringkv at " + node);
    if (info != null) {
      lines.add("Known nodes:");
      for (ClusterInfo.Node member : info.liveNodes()) {
        lines.add(member.endpoint() + ("UP".equalsIgnoreCase(member.status()) ? "" : " (" + member.status() + ")"));
      }
      for (String warning : info.warnings()) {
        if (shownWarnings.add(warning)) {
          lines.add(warningLine(warning));
        }
      }
    }
    return String.join("\n", lines);
  }

  private static String warningLine(String warning) {
    String w = warning.strip();
    return "WARNING: " + (w.endsWith("!") || w.endsWith(".") ? w : w + "!");
  }

  private void notice(String text) {
    LineSource current = source;
    if (current == null || !current.printAbove(text)) {
      synchronized (out) {
        out.println(text);
        out.flush();
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private <T> T call(Supplier<CompletableFuture<T>> request, String action) {
    return call(request, action, CALL_TIMEOUT_MS);
  }

  private <T> T call(Supplier<CompletableFuture<T>> request, String action, long timeoutMs) {
    CompletableFuture<T> future = null;
    try {
      future = request.get();
      return future.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      throw failure(e.getCause() == null ? e : e.getCause(), action);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new CommandFailed("failed to " + action + ": no answer within " + timeoutMs / 1000 + " s");
    } catch (InterruptedException e) {
      future.cancel(true);
      throw new CommandFailed("interrupted; the " + action + " may or may not have taken effect");
    } catch (RuntimeException e) {
      throw failure(e, action);
    }
  }

  private static CommandFailed failure(Throwable t, String action) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NoNodeReachableException) {
      return new CommandFailed("failed to " + action + ": no node reachable");
    }
    if (t instanceof RingkvException && t.getMessage() != null) {
      return new CommandFailed(t.getMessage());
    }
    String message = t.getMessage();
    return new CommandFailed(message == null || message.isBlank() ? t.getClass().getSimpleName() : oneLine(message));
  }

  private static String keyOnly(String verb, String rest) {
    CommandText.KeyAndRest keyAndRest = keyAndRest(verb + " key", rest);
    if (!keyAndRest.rest().isEmpty()) {
      throw new CommandFailed("usage: " + verb + " key (one key; quote a key that holds spaces)");
    }
    return keyAndRest.key();
  }

  private static CommandText.KeyAndRest keyAndRest(String usage, String rest) {
    try {
      return CommandText.key(rest);
    } catch (IllegalArgumentException e) {
      throw new CommandFailed(e.getMessage() + "; usage: " + usage);
    }
  }

  private static void noArguments(String verb, String rest) {
    if (!rest.isBlank()) {
      throw new CommandFailed(verb + " takes no arguments");
    }
  }

  private void printTable(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private void printError(String message) {
    err.println("Error: " + message);
    err.flush();
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  private static String replicas(int n) {
    return n + (n == 1 ? " replica" : " replicas");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String shortText(byte[] b) {
    String s = oneLine(text(b));
    return s.length() <= WHERE_VALUE_MAX_CHARS ? s : s.substring(0, WHERE_VALUE_MAX_CHARS) + "...";
  }

  private static String oneLine(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n");
  }

  /** A command that failed; its message is the one line printed after {@code Error: }. */
  private static final class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
      super(message, null, false, false);
    }
  }
}
