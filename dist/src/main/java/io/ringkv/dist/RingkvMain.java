package io.ringkv.dist;

import io.ringkv.cli.CliCommand;
import io.ringkv.cli.CliMain;
import io.ringkv.node.NodeMain;
import io.ringkv.security.SecurityCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * The one entry point of {@code ringkv.jar}: {@code node ...} runs a node, {@code cli ...} the REPL.
 *
 * <p>Exit status: 0 success, 1 failure, 2 bad usage; a node's own statuses (3: refused by the cluster).
 */
@Command(name = "ringkv", mixinStandardHelpOptions = true, version = "ringkv 0.1.0",
    description = "A Dynamo-style leaderless replicated key-value store.",
    subcommands = {RingkvMain.NodeCommand.class, CliCommand.class, RingkvMain.CertsCommand.class,
        RingkvMain.UsersCommand.class, JvmCheckCommand.class, CommandLine.HelpCommand.class})
public final class RingkvMain implements Callable<Integer> {
  public static void main(String[] args) {
    // Chronicle Map phones home unless this is set before any of its classes load (DESIGN.md).
    System.setProperty("chronicle.analytics.disable", "true");
    if (args.length > 0 && args[0].equals("cli")) {
      CliMain.quietLogging();
    }
    // Also for `node`: the node has stopped when execute returns; its status is the process's.
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new RingkvMain());
  }

  @Override
  public Integer call() {
    commandLine().usage(System.out);
    return 2;
  }

  /** {@code ringkv node ARGS}: every argument goes to the node's own parser, untouched. */
  @Command(name = "node", description = "Run a ringkv node (arguments go to the node: --id ID --host HOST --port PORT --data-dir DIR ...).")
  static final class NodeCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    /** Runs the node until it stops and returns its exit status; a test puts its own in. */
    ToIntFunction<String[]> node = NodeMain::execute;

    @Override
    public Integer call() {
      return node.applyAsInt(args.toArray(new String[0]));
    }
  }

  /** {@code ringkv certs DIR --nodes n1,n2,n3}: the arguments go to the command in ring-node. */
  @Command(name = "certs", description = "Make a CA and TLS certificates for nodes and a client (ringkv certs --help).")
  static final class CertsCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
      return SecurityCommands.CertsCommand.execute(args.toArray(new String[0]));
    }
  }

  /** {@code ringkv users add NAME --role R --users-file F}: the arguments go to the command in ring-node. */
  @Command(name = "users", description = "Add, remove or list the users of a users file (ringkv users --help).")
  static final class UsersCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
      return SecurityCommands.UsersCommand.execute(args.toArray(new String[0]));
    }
  }
}
