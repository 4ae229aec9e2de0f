package io.ringkv.bench.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The HTTP API under load (issue 13, item 8): {@code threads} closed loops, each with its own JDK
 * {@code HttpClient} (HTTP/1.1, one kept-alive connection), spread over the nodes' HTTP ports, GET or
 * PUT of {@code bytes}-byte values. Each thread owns the keys {@code k} with {@code k % threads == t},
 * so the context it sends with a PUT is the one its last answer for that key carried: updates replace
 * the value and add no sibling. A load phase PUTs every key once first. Prints one line per phase:
 * {@code http <op> ops_per_s=N p50_us=N p95_us=N p99_us=N errors=N}.
 */
@Command(name = "http-load", mixinStandardHelpOptions = true,
    description = "GET/PUT load on ringkv's HTTP API (JDK HttpClient, closed loops).")
public final class HttpLoad implements Callable<Integer> {
  @Option(names = "--urls", required = true, split = ",",
      description = "base URLs of the nodes' HTTP ports, e.g. http://127.0.0.1:8001")
  List<String> urls;

  @Option(names = "--threads", defaultValue = "32", description = "closed loops (default ${DEFAULT-VALUE})")
  int threads;

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

  public static void main(String[] args) {
    System.exit(new CommandLine(new HttpLoad()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (threads < 1 || keys < threads || bytes < 1 || durationSeconds < 1 || warmupSeconds < 0) {
      System.err.println("--threads >= 1, --keys >= --threads, --bytes >= 1, --duration >= 1, --warmup >= 0");
      return 2;
    }
    for (String op : ops) {
      if (!op.equals("get") && !op.equals("put")) {
        System.err.println("--ops takes get and put, got '" + op + "'");
        return 2;
      }
    }
    byte[] value = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(value);
    List<Loop> loops = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      loops.add(new Loop(t, urls.get(t % urls.size()), value));
    }
    // load: every key once, each by its own thread
    long errors = runAll(loops, l -> l.load());
    if (errors > 0) {
      System.err.println("load: " + errors + " PUTs failed");
    }
    for (String op : ops) {
      Recorder recorder = new Recorder(3);
      AtomicLong failed = new AtomicLong();
      long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
      long end = warmEnd + durationSeconds * 1_000_000_000L;
      runAll(loops, l -> l.run(op.equals("put"), warmEnd, end, recorder, failed));
      Histogram h = recorder.getIntervalHistogram();
      System.out.printf(Locale.ROOT, "http %s ops_per_s=%.0f p50_us=%d p95_us=%d p99_us=%d errors=%d%n", op,
          h.getTotalCount() / (double) durationSeconds, h.getValueAtPercentile(50) / 1000,
          h.getValueAtPercentile(95) / 1000, h.getValueAtPercentile(99) / 1000, failed.get());
    }
    return 0;
  }

  private interface Body {
    long run(Loop l) throws Exception;
  }

  private static long runAll(List<Loop> loops, Body body) throws InterruptedException {
    AtomicLong errors = new AtomicLong();
    List<Thread> running = new ArrayList<>();
    for (Loop l : loops) {
      Thread t = new Thread(() -> {
        try {
          errors.addAndGet(body.run(l));
        } catch (Exception e) {
          errors.incrementAndGet();
          System.err.println("loop " + l.index + ": " + e);
        }
      }, "http-load-" + l.index);
      t.start();
      running.add(t);
    }
    for (Thread t : running) {
      t.join();
    }
    return errors.get();
  }

  private final class Loop {
    final int index;
    final String base;
    final byte[] value;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    /** The context of this thread's keys, from the last answer for each. */
    final Map<Integer, String> contexts = new HashMap<>();

    Loop(int index, String base, byte[] value) {
      this.index = index;
      this.base = base;
      this.value = value;
    }

    int key() {
      int owned = (keys - index + threads - 1) / threads;
      return index + threads * ThreadLocalRandom.current().nextInt(owned);
    }

    URI uri(int key) {
      return URI.create(base + "/kv/user" + key);
    }

    boolean put(int key) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri(key)).timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(value));
      String context = contexts.get(key);
      if (context != null) {
        b.header("X-Ringkv-Context", context);
      }
      HttpResponse<Void> r = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
      r.headers().firstValue("X-Ringkv-Context").ifPresent(c -> contexts.put(key, c));
      return r.statusCode() / 100 == 2;
    }

    boolean get(int key) throws Exception {
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri(key)).timeout(Duration.ofSeconds(10)).GET()
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      r.headers().firstValue("X-Ringkv-Context").ifPresent(c -> contexts.put(key, c));
      return r.statusCode() == 200 || r.statusCode() == 300;
    }

    long load() throws Exception {
      long failed = 0;
      for (int k = index; k < keys; k += threads) {
        if (!put(k)) {
          failed++;
        }
      }
      return failed;
    }

    long run(boolean puts, long warmEnd, long end, Recorder recorder, AtomicLong failed) throws Exception {
      while (true) {
        long start = System.nanoTime();
        if (start >= end) {
          return 0;
        }
        int k = key();
        boolean ok;
        try {
          ok = puts ? put(k) : get(k);
        } catch (java.io.IOException e) {
          ok = false;
        }
        long done = System.nanoTime();
        if (start >= warmEnd) {
          if (ok) {
            recorder.recordValue(done - start);
          } else {
            failed.incrementAndGet();
          }
        }
      }
    }
  }
}
