package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ringkv.cli.CliCommand;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RingkvMainTest {
  @Test
  void nodePassesEveryArgumentToTheNodeUntouchedAndReturnsItsStatus() {
    String[] args = {"node", "--id", "n2", "--host", "127.0.0.1", "--port", "7002", "--data-dir", "data/demo/n2",
        "--replication-factor", "2", "--join", "127.0.0.1:7001", "-x", "--help", "plain"};
    CommandLine.ParseResult parsed = RingkvMain.commandLine().parseArgs(args);
    RingkvMain.NodeCommand node = (RingkvMain.NodeCommand) parsed.subcommand().commandSpec().userObject();
    AtomicReference<List<String>> seen = new AtomicReference<>();
    node.node = a -> {
      seen.set(List.of(a));
      return 3;
    };
    assertEquals(3, node.call(), "the node's exit status (3: refused by the cluster) is the command's");
    assertEquals(List.of(args).subList(1, args.length), seen.get());
  }

  @Test
  void theNodeCommandRunsTheNodeOfThisBuild() {
    RingkvMain.NodeCommand node = new RingkvMain.NodeCommand();
    // A node given no --data-dir refuses to start with bad usage (2), without reflection or a class lookup.
    node.args = List.of("--port", "7999");
    assertEquals(2, node.call());
  }

  @Test
  void theSubcommandsAreNodeCliAndJvmCheck() {
    CommandLine cl = RingkvMain.commandLine();
    assertSame(RingkvMain.NodeCommand.class, cl.getSubcommands().get("node").getCommandSpec().userObject().getClass());
    assertSame(CliCommand.class, cl.getSubcommands().get("cli").getCommandSpec().userObject().getClass());
    assertSame(JvmCheckCommand.class, cl.getSubcommands().get("jvm-check").getCommandSpec().userObject().getClass());
  }
}
