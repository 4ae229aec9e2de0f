package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.client.ClientConfig;
import io.ringkv.client.NoNodeReachableException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliCommandTest {
  static final String COMB = "{\"name\": \"Chapayev's Mustache comb\"}";
  final FakeRingkvClient client = new FakeRingkvClient(NodeAddress.parse("127.0.0.1:7001"),
      FakeRingkvClient.info(2, List.of(), "127.0.0.1:7001", "127.0.0.1:7002"));
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  final AtomicReference<ClientConfig> connectedWith = new AtomicReference<>();

  CliCommand cli(String stdin) {
    CliCommand cli = new CliCommand();
    cli.connector = config -> {
      connectedWith.set(config);
      return client;
    };
    cli.terminalAttached = () -> false;
    cli.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    cli.stdout = out;
    cli.stderr = err;
    return cli;
  }

  int run(CliCommand cli, String... args) {
    return new CommandLine(cli).execute(args);
  }

  List<String> outLines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void cliExecutesTheCommandsOfDashEAndExitsZeroWhenAllSucceed() {
    int status = run(cli(""), "-H", "10.0.0.7", "-P", "7100",
        "-e", "SET 0d5d3807-5fbf-4228-a657-5a091c4e497f '" + COMB + "'; GET 0d5d3807-5fbf-4228-a657-5a091c4e497f");
    assertEquals(0, status, err::toString);
    assertEquals(List.of(NodeAddress.parse("10.0.0.7:7100")), connectedWith.get().seeds());
    assertEquals(List.of("Created (2 replicas)", COMB), outLines().subList(4, outLines().size()));
    assertEquals(List.of(COMB), client.stored("0d5d3807-5fbf-4228-a657-5a091c4e497f"));
    assertTrue(client.closed);
  }

  @Test
  void cliExitsOneWhenACommandFailed() {
    client.failNext("get", new NoNodeReachableException("none"));
    assertEquals(1, run(cli(""), "-e", "GET k; SET k v"));
    assertEquals("Error: failed to read: no node reachable\n", err.toString(StandardCharsets.UTF_8));
    assertEquals(List.of("v"), client.stored("k"), "the commands after a failure still run");
  }

  @Test
  void cliReadsPipedStandardInputWithoutPromptOrEcho() {
    assertEquals(0, run(cli("SET k 'a; b'\nget k\n"), "--port", "7001"));
    assertEquals(List.of("Connected to ringkv at 127.0.0.1:7001", "Known nodes:", "127.0.0.1:7001", "127.0.0.1:7002",
        "Created (2 replicas)", "a; b"), outLines());
  }

  @Test
  void cliDefaultsTo127001Port7001() {
    assertEquals(0, run(cli("")));
    assertEquals(List.of(NodeAddress.parse("127.0.0.1:7001")), connectedWith.get().seeds());
  }

  @Test
  void cliReportsAnUnreachableNodeAndExitsOne() {
    CliCommand cli = cli("");
    cli.connector = config -> {
      throw new NoNodeReachableException("connection refused: 127.0.0.1:7009");
    };
    assertEquals(1, run(cli, "-P", "7009"));
    assertEquals("Error: failed to connect to ringkv at 127.0.0.1:7009: connection refused: 127.0.0.1:7009\n",
        err.toString(StandardCharsets.UTF_8));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  /** A connector refusing {@code failures} times; the fake sleeper advances the fake clock. */
  CliCommand retryingCli(int failures, long[] nanos, List<Long> sleeps) {
    CliCommand cli = cli("");
    int[] attempts = {0};
    cli.connector = config -> {
      if (attempts[0]++ < failures) {
        throw new NoNodeReachableException("no node reachable (tried 127.0.0.1:7001)");
      }
      return client;
    };
    cli.nanoClock = () -> nanos[0];
    cli.sleeper = ms -> {
      sleeps.add(ms);
      nanos[0] += ms * 1_000_000;
    };
    return cli;
  }

  @Test
  void connectWaitRetriesAnUnreachableNodeUntilItAnswers() {
    List<Long> sleeps = new java.util.ArrayList<>();
    assertEquals(0, run(retryingCli(3, new long[] {0}, sleeps), "--connect-wait", "5", "-e", "GET k"));
    assertEquals(List.of(250L, 250L, 250L), sleeps);
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void connectWaitGivesUpAtItsDeadlineAndWithoutItThereIsOneAttempt() {
    List<Long> sleeps = new java.util.ArrayList<>();
    assertEquals(1, run(retryingCli(100, new long[] {0}, sleeps), "--connect-wait", "1", "-e", "GET k"));
    assertEquals(4, sleeps.size(), sleeps::toString);
    assertEquals("Error: failed to connect to ringkv at 127.0.0.1:7001: no node reachable (tried 127.0.0.1:7001)\n",
        err.toString(StandardCharsets.UTF_8));
    sleeps.clear();
    assertEquals(1, run(retryingCli(1, new long[] {0}, sleeps), "-e", "GET k"));
    assertEquals(List.of(), sleeps);
  }

  @Test
  void badUsageExitsTwo() {
    CliCommand cli = cli("");
    CommandLine cl = new CommandLine(cli);
    cl.setErr(new java.io.PrintWriter(err));
    assertEquals(2, cl.execute("-P", "notaport"));
    assertEquals(2, new CommandLine(cli("")).setErr(new java.io.PrintWriter(err)).execute("-P", "0"));
    assertFalse(err.toString(StandardCharsets.UTF_8).isEmpty());
  }

  @Test
  void dashUSendsTheUserAndThePasswordFromTheEnvironmentAndTlsCaTurnsOnTls() throws Exception {
    java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".pem");
    try {
      CliCommand cli = cli("");
      cli.getenv = name -> name.equals("RINGKV_PASSWORD") ? "s3cret" : null;
      assertEquals(0, run(cli, "-u", "alice", "--tls-ca", ca.toString(), "-e", "NODES"));
      assertEquals(new io.ringkv.client.Credentials("alice", "s3cret"), connectedWith.get().credentials());
      assertEquals(ca, connectedWith.get().tls().caFile());
      assertTrue(connectedWith.get().tls().verifyHostname());
    } finally {
      java.nio.file.Files.deleteIfExists(ca);
    }
  }

  @Test
  void dashUWithoutAPasswordOrATerminalIsBadUsage() {
    CliCommand cli = cli("");
    cli.getenv = name -> null;
    cli.passwordPrompt = prompt -> null;
    assertEquals(2, run(cli, "-u", "alice", "-e", "NODES"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs a password"), err.toString(StandardCharsets.UTF_8));
    assertEquals(null, connectedWith.get(), "did not connect");
  }

  @Test
  void aRefusedAdminCommandPrintsThePermissionErrorAndExitsOne() {
    client.failNext("remove-node", new io.ringkv.client.RingkvException(io.ringkv.protocol.ErrorCode.PERMISSION_DENIED,
            "permission denied (admin role required)"));
    CliCommand cli = cli("");
    assertEquals(1, run(cli, "-e", "REMOVE n3"));
    assertTrue(err.toString(StandardCharsets.UTF_8).lines()
        .anyMatch(l -> l.equals("Error: permission denied (admin role required)")), err.toString(StandardCharsets.UTF_8));
  }
}
