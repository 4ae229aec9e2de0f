package io.ringkv.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * The one entry point of {@code ringkv.jar}: {@code node ...} runs a node, {@code cli ...} the REPL.
 *
 * <p>Exit status: 0 success, 1 failure, 2 bad usage.
 */
@Command(name = "ringkv", mixinStandardHelpOptions = true, version = "ringkv 0.1.0",
    description = "A Dynamo-style leaderless replicated key-value store.",
    subcommands = {RingkvMain.NodeCommand.class, CliCommand.class, RingkvMain.CertsCommand.class,
        RingkvMain.UsersCommand.class, JvmCheckCommand.class, CommandLine.HelpCommand.class})
public final class RingkvMain implements Callable<Integer> {
  /** The node's entry point, in ring-node; called by name so this module needs no compile-time link to it. */
  static final String NODE_MAIN_CLASS = "io.ringkv.node.NodeMain";

  public static void main(String[] args) {
    // Chronicle Map phones home unless this is set before any of its classes load (DESIGN.md).
    System.setProperty("chronicle.analytics.disable", "true");
    if (args.length > 0 && args[0].equals("cli") && System.getProperty("logback.configurationFile") == null) {
      // Keep library logging (Netty, the client) out of the REPL's screen: errors only, to stderr.
      System.setProperty("logback.configurationFile", "io/ringkv/cli/logback-cli.xml");
    }
    int status = commandLine().execute(args);
    if (status != 0 || !(args.length > 0 && args[0].equals("node"))) {
      System.exit(status);
    }
    // node: main returned normally, the node stopped; let its non-daemon threads (if any) decide.
  }

  static CommandLine commandLine() {
    return new CommandLine(new RingkvMain());
  }

  @Override
  public Integer call() {
    commandLine().usage(System.out);
    return 2;
  }

  /** The security commands' classes in ring-node, called by name like the node's (they move with it). */
  static final String CERTS_CLASS = "io.ringkv.security.SecurityCommands$CertsCommand";
  static final String USERS_CLASS = "io.ringkv.security.SecurityCommands$UsersCommand";

  /** {@code ringkv certs DIR --nodes n1,n2,n3}: the arguments go to the command in ring-node. */
  @Command(name = "certs", description = "Make a CA and TLS certificates for nodes and a client (ringkv certs --help).")
  static final class CertsCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return forward(CERTS_CLASS, args);
    }
  }

  /** {@code ringkv users add NAME --role R --users-file F}. */
  @Command(name = "users", description = "Add, remove or list the users of a users file (ringkv users --help).")
  static final class UsersCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return forward(USERS_CLASS, args);
    }
  }

  /** Calls {@code className.execute(String...)} and returns its exit status. */
  static int forward(String className, List<String> args) throws Exception {
    Method execute;
    try {
      execute = Class.forName(className).getMethod("execute", String[].class);
    } catch (ReflectiveOperationException e) {
      System.err.println("Error: " + className + " is not in this build (is ring-node in the jar?)");
      return 1;
    }
    try {
      return (Integer) execute.invoke(null, (Object) args.toArray(new String[0]));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  /** {@code ringkv node ARGS}: every argument goes to the node's own parser, untouched. */
  @Command(name = "node", description = "Run a ringkv node (arguments go to the node: --id ID --host HOST --port PORT --data-dir DIR ...).")
  static final class NodeCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    /** The class whose main runs the node; a test names its own. */
    String mainClass = NODE_MAIN_CLASS;

    @Override
    public Integer call() throws Exception {
      Method main;
      try {
        main = nodeMain(mainClass);
      } catch (ReflectiveOperationException | IllegalStateException e) {
        System.err.println("Error: " + e.getMessage());
        return 1;
      }
      try {
        main.invoke(null, (Object) args.toArray(new String[0]));
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw (Error) cause;
      }
      return 0;
    }

    static Method nodeMain(String className) throws ReflectiveOperationException {
      Class<?> type;
      try {
        type = Class.forName(className);
      } catch (ClassNotFoundException e) {
        throw new ClassNotFoundException("the node is not in this build: class " + className
            + " not found (is ring-node in the jar?)", e);
      }
      Method main = type.getMethod("main", String[].class);
      if (!Modifier.isStatic(main.getModifiers())) {
        throw new IllegalStateException(className + ".main(String[]) is not static");
      }
      return main;
    }
  }
}
