package io.ringkv.bench.ycsb;

import io.ringkv.bench.cluster.Connections;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.CausalContext;
import io.ringkv.client.GetResult;
import io.ringkv.client.PutResult;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.client.RingkvException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * The YCSB binding of ringkv over the Java client ({@code -db io.ringkv.bench.ycsb.RingkvYcsbClient}).
 *
 * <ul>
 *   <li>A record's fields are one value, {@link FieldEncoding}. Run workloads with
 *       {@code writeallfields=true} so an update writes the whole record (ringkv has no partial update).
 *   <li>{@code read} returns the record; when the key has siblings, the record of the newest-listed
 *       sibling, and the sibling count is tallied.
 *   <li>{@code update} carries the freshest causal context this client has for the key: the one the
 *       last read or write of the key returned, to any of the process's threads, kept in a bounded LRU
 *       ({@code ringkv.contextcache} keys) the threads share; else it is a blind write (which in ringkv
 *       becomes a sibling of what exists). A context is what the store itself answered this client, so
 *       an update with it replaces exactly what that answer showed and stays concurrent with (a sibling
 *       of) any write the answer did not show: sharing changes how many updates are blind, not what
 *       ringkv keeps. {@code ringkv.contextscope=thread} gives each thread its own cache (as if every
 *       thread were a separate client) and {@code ringkv.contextfrom=read} remembers only reads' contexts,
 *       spending one on the update that uses it: together, the binding before issue 14.
 *   <li>{@code insert} is a blind write; {@code delete} uses the remembered context when there is one.
 *   <li>{@code scan} is {@link Status#NOT_IMPLEMENTED}: keys are hashed over the ring, there is no order.
 * </ul>
 *
 * Connections: {@code ringkv.connections} clients (default: one per host in {@code ringkv.hosts}) are
 * shared by all threads, thread i using client i mod connections; client k tries host k mod hosts first,
 * so coordination spreads over the nodes. Each client multiplexes its threads' requests on one
 * connection. The counters of {@link BindingStats} are printed (and appended to {@code ringkv.statsfile}
 * when set) by the last thread to clean up.
 *
 * <p>With {@code ringkv.updatemode=readfirst} an update with no remembered context first reads the key for
 * its context (an extra GET inside the UPDATE's latency, as a Riak application does), so updates
 * overwrite instead of piling up siblings; the default {@code blind} is what YCSB's workloads describe.
 *
 * <p>Properties: {@code ringkv.hosts} (required, host:port,...), {@code ringkv.connections},
 * {@code ringkv.r}, {@code ringkv.w} (0: the node's default), {@code ringkv.timeoutms} (default 5000),
 * {@code ringkv.contextcache} (default 100000 keys shared, 10000 per thread),
 * {@code ringkv.contextscope} (process | thread), {@code ringkv.contextfrom} (readwrite | read),
 * {@code ringkv.updatemode} (blind | readfirst),
 * {@code ringkv.statsfile}.
 */
public final class RingkvYcsbClient extends DB {
  /** Keys whose context one thread remembers ({@code ringkv.contextscope=thread}). */
  static final int DEFAULT_CONTEXT_CACHE = 10_000;

  /** Keys whose context the process remembers (the default scope): YCSB's default record count. */
  static final int DEFAULT_SHARED_CONTEXT_CACHE = 100_000;

  /** Above the node's default request timeout (2 s), so the node's own error arrives first. */
  static final long DEFAULT_TIMEOUT_MS = 5_000;

  private static final Object LOCK = new Object();
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  private static int instances;
  private static List<RingkvClient> clients;
  private static BindingStats stats;
  private static String statsFile;
  /** The contexts all threads share ({@code ringkv.contextscope=process}), made by the first init. */
  private static ContextCache sharedContexts;

  /** How the first instance connects: {@link #connect} for YCSB, a fake client in the binding's tests. */
  private final Function<Properties, List<RingkvClient>> connector;
  private RingkvClient client;
  private RequestOptions options;
  private ContextCache contexts;
  private boolean rememberWrites;
  private boolean readFirst;

  /** The binding as YCSB makes it ({@code -db io.ringkv.bench.ycsb.RingkvYcsbClient}). */
  public RingkvYcsbClient() {
    this(RingkvYcsbClient::connect);
  }

  /** A binding over the clients {@code connector} returns (used by the first instance to init). */
  RingkvYcsbClient(Function<Properties, List<RingkvClient>> connector) {
    this.connector = connector;
  }

  /** The counters of the current (or last) run, as the last thread's cleanup prints them. */
  static BindingStats stats() {
    synchronized (LOCK) {
      return stats;
    }
  }

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    String scope = p.getProperty("ringkv.contextscope", "process");
    if (!scope.equals("process") && !scope.equals("thread")) {
      throw new DBException("ringkv.contextscope must be process or thread, got '" + scope + "'");
    }
    synchronized (LOCK) {
      if (instances++ == 0) {
        try {
          clients = connector.apply(p);
        } catch (RuntimeException e) {
          instances--;
          throw new DBException("cannot connect to ringkv: " + e.getMessage(), e);
        }
        stats = new BindingStats();
        statsFile = p.getProperty("ringkv.statsfile");
        sharedContexts = null;
      }
      client = clients.get(Math.floorMod(THREAD_IDS.getAndIncrement(), clients.size()));
      if (scope.equals("process")) {
        if (sharedContexts == null) {
          sharedContexts = new ContextCache(intProperty(p, "ringkv.contextcache", DEFAULT_SHARED_CONTEXT_CACHE));
        }
        contexts = sharedContexts;
      } else {
        contexts = new ContextCache(intProperty(p, "ringkv.contextcache", DEFAULT_CONTEXT_CACHE));
      }
    }
    options = new RequestOptions(intProperty(p, "ringkv.r", 0), intProperty(p, "ringkv.w", 0),
        intProperty(p, "ringkv.timeoutms", (int) DEFAULT_TIMEOUT_MS));
    String from = p.getProperty("ringkv.contextfrom", "readwrite");
    if (!from.equals("read") && !from.equals("readwrite")) {
      throw new DBException("ringkv.contextfrom must be read or readwrite, got '" + from + "'");
    }
    rememberWrites = from.equals("readwrite");
    String mode = p.getProperty("ringkv.updatemode", "blind");
    if (!mode.equals("blind") && !mode.equals("readfirst")) {
      throw new DBException("ringkv.updatemode must be blind or readfirst, got '" + mode + "'");
    }
    readFirst = mode.equals("readfirst");
  }

  private static List<RingkvClient> connect(Properties p) {
    String hostList = p.getProperty("ringkv.hosts");
    if (hostList == null || hostList.isBlank()) {
      throw new IllegalArgumentException("set ringkv.hosts=host:port[,host:port...]");
    }
    List<NodeAddress> hosts = Connections.parseHosts(hostList);
    int connections = intProperty(p, "ringkv.connections", hosts.size());
    if (connections < 1) {
      throw new IllegalArgumentException("ringkv.connections must be >= 1, got " + connections);
    }
    long timeout = intProperty(p, "ringkv.timeoutms", (int) DEFAULT_TIMEOUT_MS);
    return Connections.open(hosts, connections, timeout, c -> SecurityProperties.apply(c, p::getProperty));
  }

  private static int intProperty(Properties p, String name, int def) {
    String v = p.getProperty(name);
    if (v == null || v.isBlank()) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
    }
  }

  @Override
  public void cleanup() throws DBException {
    synchronized (LOCK) {
      if (--instances == 0) {
        String line = "[ringkv-binding] " + stats.line();
        System.err.println(line);
        if (statsFile != null) {
          try {
            Files.writeString(Path.of(statsFile), line + System.lineSeparator(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        clients.forEach(RingkvClient::close);
        clients = null;
      }
    }
  }

  private static byte[] key(String table, String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      GetResult r = client.blocking().get(key(table, key), options);
      stats.recordRead(r.values().size());
      contexts.put(key, r.context());
      if (!r.found()) {
        return Status.NOT_FOUND;
      }
      FieldEncoding.decode(r.values().get(r.values().size() - 1), fields, result);
      return Status.OK;
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  @Override
  public Status scan(String table, String startkey, int recordcount, Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    CausalContext context = contexts.get(key);
    try {
      if (context == null && readFirst) {
        // what a Riak application does: fetch the context so the update replaces instead of adding a sibling
        stats.updatesReadFirst.incrementAndGet();
        context = client.blocking().get(key(table, key), options).context();
      }
      if (context == null || context.isNone()) {
        stats.updatesBlind.incrementAndGet();
        context = CausalContext.NONE;
      } else {
        stats.updatesWithContext.incrementAndGet();
      }
      PutResult r = client.blocking().put(key(table, key), FieldEncoding.encode(values), context, options);
      if (rememberWrites) {
        contexts.put(key, r.context());
      } else {
        contexts.remove(key); // the read context is spent; a second update from it would be concurrent anyway
      }
      return Status.OK;
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    try {
      PutResult r = client.blocking().put(key(table, key), FieldEncoding.encode(values), CausalContext.NONE, options);
      stats.inserts.incrementAndGet();
      if (rememberWrites) {
        contexts.put(key, r.context());
      }
      return Status.OK;
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  @Override
  public Status delete(String table, String key) {
    CausalContext context = contexts.get(key);
    try {
      client.blocking().delete(key(table, key), context == null ? CausalContext.NONE : context, options);
      stats.deletes.incrementAndGet();
      contexts.remove(key);
      return Status.OK;
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private Status failed(RuntimeException e) {
    stats.errors.incrementAndGet();
    if (e instanceof RingkvException re && re.code() != null) {
      switch (re.code()) {
        case TIMEOUT, INDETERMINATE -> {
          stats.timeouts.incrementAndGet();
          return Status.SERVICE_UNAVAILABLE;
        }
        case UNAVAILABLE, OVERLOADED -> {
          stats.unavailable.incrementAndGet();
          return Status.SERVICE_UNAVAILABLE;
        }
        case BAD_REQUEST, LIMIT_EXCEEDED -> {
          return Status.BAD_REQUEST;
        }
        default -> {
          return Status.ERROR;
        }
      }
    }
    return Status.ERROR;
  }
}
