package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.cli.JarProcesses;
import io.ringkv.client.CausalContext;
import io.ringkv.client.ClientConfig;
import io.ringkv.client.ClusterInfo;
import io.ringkv.client.NodeAddress;
import io.ringkv.client.RequestOptions;
import io.ringkv.client.RingkvClient;
import io.ringkv.protocol.ErrorCode;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.TreeSet;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's flags and config as the README's flag table and docs/ARCHITECTURE.md's Observability promise
 * them, on real {@code ringkv.jar node} processes: {@code --config FILE} defaults under command-line
 * flags, {@code --bind} apart from {@code --host}, {@code --http-port -1} and its alias
 * {@code --metrics-port -1}, and the JMX beans under their documented names.
 */
class NodeFlagsIT {
  @TempDir
  Path dir;
  private JarProcesses jar;

  @BeforeEach
  void setUp() {
    jar = new JarProcesses(dir);
  }

  @AfterEach
  void killAll() throws InterruptedException {
    jar.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A client of node {@code id} at {@code host:port} once it serves; fails if the node exits first. */
  private RingkvClient connect(String id, Process p, String host, int port) throws Exception {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JarProcesses.WAIT_MS);
    while (true) {
      try {
        return RingkvClient.connect(ClientConfig.of(new NodeAddress(host, port)));
      } catch (RuntimeException e) {
        if (!p.isAlive()) {
          throw new AssertionError(id + " exited with " + p.exitValue() + ":\n" + jar.log(id));
        }
        if (System.nanoTime() > end) {
          throw new AssertionError(id + " did not serve at " + host + ":" + port + " within "
              + JarProcesses.WAIT_MS + " ms:\n" + jar.log(id), e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** Whether something accepts TCP connections at {@code host:port} (refused, or no answer in 2 s: no). */
  private static boolean listening(String host, int port) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2_000);
      return true;
    } catch (ConnectException | SocketTimeoutException e) {
      return false;
    }
  }

  /** A port p with p + 1000 free too, so a node's default HTTP port is free. */
  private static int portWithFreeHttpPort() throws Exception {
    for (int i = 0; i < 50; i++) {
      int p = JarProcesses.freePort();
      if (p + 1000 <= 65535 && !listening("127.0.0.1", p + 1000)) {
        return p;
      }
    }
    throw new AssertionError("no port p with p + 1000 free");
  }

  private static int httpGet(String host, int port, String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aConfigFileGivesEveryFlagADefaultAndTheCommandLineWins() throws Exception {
    int port = portWithFreeHttpPort();
    Path config = dir.resolve("node.conf");
    Files.writeString(config, String.join("\n",
        "# defaults for a node; the command line overrides any of them",
        "port=" + port,
        "cluster-name=fromfile",
        "replication-factor=2",
        "r=1",
        "w=1",
        "vnodes=8",
        "key-format=uuid4",
        "http-port=-1",
        ""));
    Process node = jar.node("cfg", List.of(), List.of("--config", config.toString(), "--replication-factor", "3",
        "--w", "3"));
    try (RingkvClient client = connect("cfg", node, "127.0.0.1", port)) {
      ClusterInfo info = client.blocking().info();
      assertEquals("fromfile", info.clusterName(), "cluster-name from the file");
      assertEquals(3, info.replicationFactor(), "--replication-factor 3 on the command line, 2 in the file");
      assertEquals(1, info.defaultR(), "r from the file (a majority of 3 would be 2)");
      assertEquals(3, info.defaultW(), "--w 3 on the command line, 1 in the file");
      assertEquals("uuid4", info.keyFormat(), "key-format from the file");
      assertEquals(8, info.nodes().get(0).tokens(), "vnodes from the file");
    }
    assertFalse(listening("127.0.0.1", port + 1000), "http-port=-1 in the file: no HTTP listener");
    Properties identity = new Properties();
    try (var in = Files.newBufferedReader(dir.resolve("cfg").resolve("node.properties"))) {
      identity.load(in);
    }
    assertEquals("fromfile", identity.getProperty("clusterName"));
    assertEquals("3", identity.getProperty("replicationFactor"));
  }

  @Test
  void aNodeListensOnItsBindAddressAndTellsTheClusterItsHost() throws Exception {
    int port = JarProcesses.freePort();
    int http = JarProcesses.freePort();
    Process node = jar.node("bound", List.of(), List.of("--replication-factor", "1", "--host", "127.0.0.2",
        "--bind", "127.0.0.3", "--port", Integer.toString(port), "--http-port", Integer.toString(http)));
    try (RingkvClient client = connect("bound", node, "127.0.0.3", port)) {
      ClusterInfo info = client.blocking().info();
      assertEquals(List.of(new NodeAddress("127.0.0.2", port)), info.nodes().stream().map(ClusterInfo.Node::endpoint)
          .toList(), "the address it tells is --host's");
      client.blocking().put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
    }
    assertFalse(listening("127.0.0.2", port), "--host is not where it listens");
    assertFalse(listening("127.0.0.1", port), "not on every address either");
    assertEquals(200, httpGet("127.0.0.3", http, "/health/live"), "the HTTP API listens on --bind too");
    assertFalse(listening("127.0.0.2", http));
  }

  @Test
  void httpPortMinusOneAndItsAliasMetricsPortMinusOneStartNoHttpListener() throws Exception {
    int[] ports = {portWithFreeHttpPort(), portWithFreeHttpPort(), portWithFreeHttpPort()};
    List<String> ids = List.of("default", "http-off", "metrics-off");
    List<List<String>> flags = List.of(List.of(), List.of("--http-port", "-1"), List.of("--metrics-port", "-1"));
    List<Process> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> args = new ArrayList<>(List.of("--replication-factor", "1", "--port", Integer.toString(ports[i])));
      args.addAll(flags.get(i));
      nodes.add(jar.node(ids.get(i), List.of(), args));
    }
    for (int i = 0; i < 3; i++) {
      connect(ids.get(i), nodes.get(i), "127.0.0.1", ports[i]).close(); // serving: its listeners are up
    }
    assertEquals(200, httpGet("127.0.0.1", ports[0] + 1000, "/health/live"), "by default HTTP is at port + 1000");
    assertFalse(listening("127.0.0.1", ports[1] + 1000), "--http-port -1 leaves HTTP off");
    assertFalse(listening("127.0.0.1", ports[2] + 1000), "--metrics-port -1 (the old name) too");
    for (int i = 1; i < 3; i++) {
      assertTrue(nodes.get(i).isAlive(), ids.get(i) + " serves without HTTP");
    }
  }

  /**
   * docs/ARCHITECTURE.md, Observability: "Dropwizard metrics in JMX (domain {@code io.ringkv.<node id>})",
   * as {@code io.ringkv.<node id>:name=<metric>,type=timers|counters|gauges}.
   */
  @Test
  void jmxHasEveryDocumentedBeanUnderTheNodesDomain() throws Exception {
    int port = JarProcesses.freePort();
    int jmxPort = JarProcesses.freePort();
    Process node = jar.node("jmx1", List.of("-Dcom.sun.management.jmxremote.port=" + jmxPort,
            "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort, "-Dcom.sun.management.jmxremote.host=127.0.0.1",
            "-Djava.rmi.server.hostname=127.0.0.1", "-Dcom.sun.management.jmxremote.authenticate=false",
            "-Dcom.sun.management.jmxremote.ssl=false"),
        List.of("--replication-factor", "1", "--port", Integer.toString(port), "--http-port", "-1"));
    try (RingkvClient client = connect("jmx1", node, "127.0.0.1", port)) {
      client.blocking().put(b("k"), b("v"), CausalContext.NONE, RequestOptions.DEFAULTS);
      client.blocking().delete(b("k"), client.blocking().get(b("k"), RequestOptions.DEFAULTS).context(),
          RequestOptions.DEFAULTS);
    }
    JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
    try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
      MBeanServerConnection mbeans = connector.getMBeanServerConnection();
      Set<String> names = new TreeSet<>();
      for (ObjectName n : mbeans.queryNames(new ObjectName("io.ringkv.jmx1:*"), null)) {
        names.add(n.getCanonicalName());
      }
      List<String> documented = new ArrayList<>();
      for (String op : List.of("get", "put", "delete")) {
        documented.add("io.ringkv.jmx1:name=ringkv.coordinator." + op + ",type=timers");
      }
      for (String op : List.of("read", "write", "merge")) {
        documented.add("io.ringkv.jmx1:name=ringkv.replica." + op + ",type=timers");
      }
      documented.add("io.ringkv.jmx1:name=ringkv.readrepair.sent,type=counters");
      documented.add("io.ringkv.jmx1:name=ringkv.siblings.created,type=counters");
      for (ErrorCode code : ErrorCode.values()) {
        documented.add("io.ringkv.jmx1:name=ringkv.errors." + code.name().toLowerCase(Locale.ROOT) + ",type=counters");
      }
      for (String hints : List.of("stored", "delivered", "dropped")) {
        documented.add("io.ringkv.jmx1:name=ringkv.hints." + hints + ",type=counters");
      }
      documented.add("io.ringkv.jmx1:name=ringkv.hints.pending,type=gauges");
      List<String> missing = documented.stream().filter(n -> !names.contains(n)).toList();
      assertEquals(List.of(), missing, "documented beans missing; present: " + names);
      assertEquals(1L, mbeans.getAttribute(new ObjectName("io.ringkv.jmx1:name=ringkv.coordinator.put,type=timers"),
          "Count"), "the PUT is counted in JMX");
      assertEquals(1L, mbeans.getAttribute(
          new ObjectName("io.ringkv.jmx1:name=ringkv.coordinator.delete,type=timers"), "Count"));
    }
  }
}
