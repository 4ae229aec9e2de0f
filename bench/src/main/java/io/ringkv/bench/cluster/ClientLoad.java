package io.ringkv.bench.cluster;

import io.ringkv.client.CausalContext;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * ringkv's native protocol under the leanest load this repository has, the counterpart of
 * {@code redis-benchmark}: {@code clients} closed loops, each with one request in flight, on the Java
 * client's asynchronous API (a completion issues the loop's next request on the client's own I/O thread:
 * no thread per loop, no YCSB workload or measurement layer), GET or PUT of {@code bytes}-byte values
 * over {@code keys} keys. YCSB's client costs about twice a single node's own CPU per operation
 * (bench/results/perf-2026-12-04.md), so on a shared 2-core machine this, not YCSB, shows what a node
 * serves. Each loop owns the keys {@code k} with {@code k % clients == loop} and sends with a PUT the
 * context its last answer for the key carried, so updates replace the value and add no sibling. A load
 * phase PUTs every key once first. Prints one line per phase:
 * {@code client <op> ops_per_s=N p50_us=N p95_us=N p99_us=N p999_us=N errors=N}.
 */
@Command(name = "client-load", mixinStandardHelpOptions = true,
    description = "GET/PUT load on ringkv's native protocol (async Java client, closed loops).")
public final class ClientLoad implements Callable<Integer> {
  @Option(names = "--hosts", required = true, split = ",", description = "nodes, host:port,...")
  List<String> hosts;

  @Option(names = "--clients", defaultValue = "32", description = "closed loops (default ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--connections", defaultValue = "0",
      description = "client connections the loops share, loop i on connection i mod connections (default: one per host)")
  int connections;

  @Option(names = "--keys", defaultValue = "10000", description = "distinct keys (default ${DEFAULT-VALUE})")
  int keys;

  @Option(names = "--bytes", defaultValue = "1024", description = "value size (default ${DEFAULT-VALUE})")
  int bytes;

  @Option(names = "--duration", defaultValue = "30", description = "seconds per measured phase (default ${DEFAULT-VALUE})")
  int durationSeconds;

  @Option(names = "--warmup", defaultValue = "5", description = "seconds before each phase is measured (default ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Option(names = "--ops", defaultValue = "get,put", split = ",", description = "phases, in order: get, put")
  List<String> ops;

  @Option(names = "--key-prefix", defaultValue = "clientload:", description = "prefix of the keys (default ${DEFAULT-VALUE})")
  String keyPrefix;

  /** Runs a loop's next request when the last one completed on the caller's stack (no unbounded recursion). */
  private final ExecutorService trampoline = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "client-load-trampoline");
    t.setDaemon(true);
    return t;
  });

  public static void main(String[] args) {
    System.exit(new CommandLine(new ClientLoad()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || keys < clients || bytes < 1 || durationSeconds < 1 || warmupSeconds < 0 || connections < 0) {
      System.err.println("--clients >= 1, --keys >= --clients, --bytes >= 1, --duration >= 1, --warmup >= 0,"
          + " --connections >= 0");
      return 2;
    }
    for (String op : ops) {
      if (!op.equals("get") && !op.equals("put")) {
        System.err.println("--ops takes get and put, got '" + op + "'");
        return 2;
      }
    }
    List<NodeAddress> addresses;
    try {
      addresses = Connections.parseHosts(String.join(",", hosts));
    } catch (IllegalArgumentException e) {
      System.err.println("--hosts: " + e.getMessage());
      return 2;
    }
    List<RingkvClient> conns;
    try {
      conns = Connections.open(addresses, connections == 0 ? addresses.size() : connections, 5_000, c -> c);
    } catch (RuntimeException e) {
      System.err.println("cannot connect to " + String.join(",", hosts) + ": " + e.getMessage());
      return 1;
    }
    try {
      byte[] value = new byte[bytes];
      ThreadLocalRandom.current().nextBytes(value);
      List<Loop> loops = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        loops.add(new Loop(i, conns.get(i % conns.size()), value));
      }
      long loadErrors = 0;
      for (Loop l : loops) {
        loadErrors += l.load();
      }
      if (loadErrors > 0) {
        System.err.println("load: " + loadErrors + " PUTs failed");
      }
      for (String op : ops) {
        Recorder recorder = new Recorder(3);
        AtomicLong failed = new AtomicLong();
        long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        long end = warmEnd + durationSeconds * 1_000_000_000L;
        CountDownLatch done = new CountDownLatch(loops.size());
        for (Loop l : loops) {
          l.start(op.equals("put"), warmEnd, end, recorder, failed, done);
        }
        if (!done.await(warmupSeconds + durationSeconds + 30L, TimeUnit.SECONDS)) {
          System.err.println(op + ": " + done.getCount() + " loops did not finish within 30 s of the end");
          return 1;
        }
        Histogram h = recorder.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "client %s ops_per_s=%.0f p50_us=%d p95_us=%d p99_us=%d p999_us=%d errors=%d%n",
            op, h.getTotalCount() / (double) durationSeconds, h.getValueAtPercentile(50) / 1000,
            h.getValueAtPercentile(95) / 1000, h.getValueAtPercentile(99) / 1000,
            h.getValueAtPercentile(99.9) / 1000, failed.get());
      }
      return 0;
    } finally {
      conns.forEach(RingkvClient::close);
      trampoline.shutdownNow();
    }
  }

  /** One closed loop: its keys, their last contexts, one request in flight. Touched by one request at a time. */
  private final class Loop {
    final int index;
    final RingkvClient client;
    final byte[] value;
    final CausalContext[] contexts;
    final byte[][] keyBytes;
    boolean puts;
    long warmEnd;
    long end;
    Recorder recorder;
    AtomicLong failed;
    CountDownLatch done;

    Loop(int index, RingkvClient client, byte[] value) {
      this.index = index;
      this.client = client;
      this.value = value;
      int owned = (keys - index + clients - 1) / clients;
      this.contexts = new CausalContext[owned];
      this.keyBytes = new byte[owned][];
      for (int j = 0; j < owned; j++) {
        keyBytes[j] = (keyPrefix + (index + clients * j)).getBytes(StandardCharsets.UTF_8);
        contexts[j] = CausalContext.NONE;
      }
    }

    long load() {
      long errors = 0;
      for (int j = 0; j < keyBytes.length; j++) {
        try {
          contexts[j] = client.blocking().put(keyBytes[j], value, contexts[j], RequestOptions.DEFAULTS).context();
        } catch (RuntimeException e) {
          errors++;
        }
      }
      return errors;
    }

    void start(boolean puts, long warmEnd, long end, Recorder recorder, AtomicLong failed, CountDownLatch done) {
      this.puts = puts;
      this.warmEnd = warmEnd;
      this.end = end;
      this.recorder = recorder;
      this.failed = failed;
      this.done = done;
      trampoline.execute(this::next);
    }

    void next() {
      long start = System.nanoTime();
      if (start >= end) {
        done.countDown();
        return;
      }
      int j = ThreadLocalRandom.current().nextInt(keyBytes.length);
      CompletableFuture<CausalContext> f = puts
          ? client.put(keyBytes[j], value, contexts[j], RequestOptions.DEFAULTS).thenApply(r -> r.context())
          : client.get(keyBytes[j], RequestOptions.DEFAULTS).thenApply(r -> r.context());
      boolean[] inline = {true};
      f.whenComplete((context, error) -> {
        long finished = System.nanoTime();
        if (error == null) {
          contexts[j] = context;
        }
        if (start >= warmEnd) {
          if (error == null) {
            recorder.recordValue(finished - start);
          } else {
            failed.incrementAndGet();
          }
        }
        if (inline[0]) {
          trampoline.execute(this::next); // completed before whenComplete returned: do not recurse
        } else {
          next();
        }
      });
      inline[0] = false;
    }
  }
}
