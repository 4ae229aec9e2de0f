package io.ringkv.cli;

import io.ringkv.client.NodeAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Manual check of the terminal path (JLine prompt, completion, history, printAbove) without a node:
 * {@code java -cp repl/target/test-classes:repl/target/ringkv.jar io.ringkv.cli.FakeClusterShell [cli args]}.
 * Two seconds in, the fake client "loses" its node and reconnects; four seconds in, the cluster warns.
 */
public final class FakeClusterShell {
  private FakeClusterShell() {}

  public static void main(String[] args) {
    FakeRingkvClient client = new FakeRingkvClient(NodeAddress.parse("127.0.0.1:7001"),
        FakeRingkvClient.info(2, List.of(), "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"));
    ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fake-cluster-events");
      t.setDaemon(true);
      return t;
    });
    events.schedule(() -> client.reconnect(NodeAddress.parse("127.0.0.1:7002"),
        FakeRingkvClient.info(2, List.of(), "127.0.0.1:7002")), 2, TimeUnit.SECONDS);
    events.schedule(() -> client.warningsChanged(List.of("cluster size (1) is smaller than a replication factor (2)")),
        4, TimeUnit.SECONDS);
    CliCommand cli = new CliCommand();
    cli.connector = config -> client;
    System.exit(new CommandLine(cli).execute(args));
  }
}
