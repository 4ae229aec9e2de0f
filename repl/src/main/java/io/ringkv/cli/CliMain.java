package io.ringkv.cli;

import picocli.CommandLine;

/**
 * The entry point of {@code repl/target/ringkv-cli.jar}: the REPL alone ({@code java -jar ringkv-cli.jar
 * -H host -P port}), the same command as {@code ringkv cli} in the full ringkv.jar.
 *
 * <p>Exit status: 0 success, 1 failure, 2 bad usage.
 */
public final class CliMain {
  /** The CLI's logging configuration: libraries may only report errors, on stderr. */
  public static final String LOGBACK_CONFIGURATION = "io/ringkv/cli/logback-cli.xml";

  private CliMain() {}

  public static void main(String[] args) {
    quietLogging();
    System.exit(new CommandLine(new CliCommand()).execute(args));
  }

  /** Keeps library logging (Netty, the client) out of the REPL's screen unless the user configured it. */
  public static void quietLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOGBACK_CONFIGURATION);
    }
  }
}
