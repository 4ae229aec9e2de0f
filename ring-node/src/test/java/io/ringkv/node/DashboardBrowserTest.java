package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.BlockingRingkvClient;
import io.ringkv.client.RequestOptions;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: headless Chromium loads a node's page against a three-node cluster
 * under load, runs its scripts (virtual time, so its one-second refreshes run without waiting), and the
 * DOM it ends with must show all three nodes UP and a non-zero throughput; after a node is stopped the
 * page shows it DOWN. Skipped, with the reason printed, where no Chromium is installed ({@code .ci/run}
 * installs Debian's {@code chromium}; {@code CHROMIUM} names another binary). A screenshot of the live
 * page is left in {@code target/dashboard.png} (docs/dashboard.png is one of those).
 */
class DashboardBrowserTest {
  @TempDir
  Path dir;

  static String chromium() {
    List<String> candidates = new ArrayList<>();
    if (System.getenv("CHROMIUM") != null) {
      candidates.add(System.getenv("CHROMIUM"));
    }
    candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
    for (String c : candidates) {
      if (new File(c).canExecute()) {
        return c;
      }
    }
    return null;
  }

  /** Runs headless Chromium on the page with these extra flags; returns its stdout (the DOM with --dump-dom). */
  private String chromium(String binary, URI page, String... flags) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"), "--virtual-time-budget=8000"));
    cmd.addAll(List.of(flags));
    cmd.add(page.toString());
    Path out = Files.createTempFile(dir, "dom", ".html");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 180 s: " + cmd);
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static String statusOf(String dom, String node) {
    Matcher m = Pattern.compile("data-node=\"" + node + "\" data-status=\"([A-Z]+)\"").matcher(dom);
    return m.find() ? m.group(1) : null;
  }

  @Test
  void theDashboardShowsEveryNodeLiveThroughputAndADeadNodeDown() throws Exception {
    String binary = chromium();
    if (binary == null) {
      String reason = "DashboardBrowserTest skipped: no Chromium (apt-get install chromium, or set CHROMIUM)";
      System.out.println(reason);
      Assumptions.abort(reason);
    }
    try (LoopbackCluster cluster = new LoopbackCluster(dir.resolve("nodes"), 3, 2, 3_600_000, true)) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread load = new Thread(() -> {
        BlockingRingkvClient c = cluster.client(0).blocking();
        for (int i = 0; !stop.get(); i++) {
          try {
            byte[] key = ("load-" + (i % 200)).getBytes(StandardCharsets.UTF_8);
            c.set(key, new byte[1024], RequestOptions.DEFAULTS);
            c.get(key, RequestOptions.DEFAULTS);
          } catch (RuntimeException e) {
            // a node is being stopped: keep loading the others
          }
        }
      }, "dashboard-load");
      load.setDaemon(true);
      load.start();
      try {
        URI page = cluster.httpUri(1).resolve("/");
        String dom = chromium(binary, page, "--dump-dom");
        for (String n : List.of("n1", "n2", "n3")) {
          assertEquals("UP", statusOf(dom, n), n + " on the page: " + dom);
        }
        Matcher ops = Pattern.compile("id=\"total-ops\" data-ops=\"([0-9.]+)\"").matcher(dom);
        assertTrue(ops.find(), "the throughput figure: " + dom);
        assertTrue(Double.parseDouble(ops.group(1)) > 0, "a non-zero throughput: " + ops.group(0));
        chromium(binary, page, "--window-size=1500,980", "--screenshot=" + Path.of("target", "dashboard.png").toAbsolutePath());

        cluster.stop(2);
        HttpClient http = HttpClient.newHttpClient();
        LoopbackCluster.awaitCondition(() -> {
          try {
            String c = http.send(HttpRequest.newBuilder(cluster.httpUri(1).resolve("/cluster")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            return c.contains("\"id\":\"n3\",\"address\"") && c.matches("(?s).*\"id\":\"n3\"[^}]*\"status\":\"DOWN\".*");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }, 30_000, "n3 DOWN in /cluster");
        String after = chromium(binary, page, "--dump-dom");
        assertEquals("DOWN", statusOf(after, "n3"), "the stopped node on the page: " + after);
        assertEquals("UP", statusOf(after, "n1"));
        assertEquals("UP", statusOf(after, "n2"));
        chromium(binary, page, "--window-size=1500,980", "--screenshot=" + Path.of("target", "dashboard-down.png").toAbsolutePath());
      } finally {
        stop.set(true);
        load.join(10_000);
      }
    }
  }
}
