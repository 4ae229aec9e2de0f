package io.ringkv.security;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ringkv certs} and {@code ringkv users}: the operator's commands of docs/security.md. Each has a
 * static {@code execute(String...)} returning the exit status (0 ok, 1 failed, 2 bad usage), which the
 * runnable jar's entry point calls by name.
 */
public final class SecurityCommands {
  private SecurityCommands() {}

  /** {@code ringkv certs DIR --nodes n1,n2=HOST,...}. */
  @Command(name = "certs", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Make a CA (or reuse DIR/ca.pem and ca.key), a key and certificate per node and one for a client.")
  public static final class CertsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory for the PEM files.")
    Path dir;

    @Option(names = "--nodes", split = ",", paramLabel = "ID[=HOST]",
        description = "Node ids, each with the host its certificate must name too (127.0.0.1 and localhost always).")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--client", defaultValue = "client",
        description = "Name (CN) of the client certificate; '' for none (default: ${DEFAULT-VALUE}).")
    String client;

    @Option(names = "--days", defaultValue = "365", description = "Validity of node and client certificates (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--ca-days", defaultValue = "3650", description = "Validity of a new CA (default: ${DEFAULT-VALUE}).")
    int caDays;

    @Override
    public Integer call() throws Exception {
      List<Certs.NodeSpec> specs = new ArrayList<>();
      for (String n : nodes) {
        specs.add(Certs.NodeSpec.parse(n));
      }
      for (Path p : Certs.create(dir, specs, client == null || client.isEmpty() ? null : client, days, caDays)) {
        System.out.println("wrote " + p);
      }
      return 0;
    }

    public static int execute(String... args) {
      return run(new CertsCommand(), args);
    }
  }

  /** {@code ringkv users add|remove|list}. */
  @Command(name = "users", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Manage the users file given to every node with --users-file.",
      subcommands = {UsersAdd.class, UsersRemove.class, UsersList.class})
  public static final class UsersCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      new CommandLine(this).usage(System.err);
      return 2;
    }

    public static int execute(String... args) {
      return run(new UsersCommand(), args);
    }
  }

  abstract static class UsersFileOption {
    @Option(names = "--users-file", defaultValue = "users.txt", paramLabel = "FILE",
        description = "The users file (default: ${DEFAULT-VALUE}).")
    Path file;
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add a user or change its role and password; the password comes from RINGKV_PASSWORD or a prompt.")
  static final class UsersAdd extends UsersFileOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--role", required = true, description = "read, readwrite or admin")
    String role;

    @Option(names = "--iterations", defaultValue = "" + PasswordHash.DEFAULT_ITERATIONS,
        description = "PBKDF2 iterations (default: ${DEFAULT-VALUE}, OWASP's figure for PBKDF2-HMAC-SHA256).")
    int iterations;

    @Override
    public Integer call() throws Exception {
      UsersFile.checkName(name);
      Role r = Role.parse(role);
      char[] password = password(name);
      if (password == null) {
        return 1;
      }
      UsersFile.put(file, new UsersFile.User(name, r, PasswordHash.create(password, iterations)));
      Arrays.fill(password, '\0');
      System.out.println("user " + name + " (" + r.wireName() + ") written to " + file
          + "; nodes started with --users-file " + file + " pick it up within a second");
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user.")
  static final class UsersRemove extends UsersFileOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      if (!UsersFile.remove(file, name)) {
        System.err.println("Error: no user " + name + " in " + file);
        return 1;
      }
      System.out.println("user " + name + " removed from " + file);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List users and roles.")
  static final class UsersList extends UsersFileOption implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      for (Map.Entry<String, UsersFile.User> e : UsersFile.read(file).entrySet()) {
        System.out.println(e.getKey() + " " + e.getValue().role().wireName());
      }
      return 0;
    }
  }

  /** RINGKV_PASSWORD, else asked twice at the terminal; null (after a message) when neither is possible. */
  static char[] password(String user) {
    String env = System.getenv("RINGKV_PASSWORD");
    if (env != null && !env.isEmpty()) {
      return env.toCharArray();
    }
    Console console = System.console();
    if (console == null) {
      System.err.println("Error: no terminal to ask for the password: set RINGKV_PASSWORD");
      return null;
    }
    char[] a = console.readPassword("password for %s: ", user);
    char[] b = console.readPassword("again: ");
    if (a == null || b == null || a.length == 0 || !Arrays.equals(a, b)) {
      System.err.println("Error: the passwords are empty or differ");
      return null;
    }
    Arrays.fill(b, '\0');
    return a;
  }

  private static int run(Object command, String... args) {
    CommandLine cl = new CommandLine(command);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("Error: " + e.getMessage());
      return 1;
    });
    cl.setErr(new PrintWriter(System.err, true));
    return cl.execute(args);
  }
}
