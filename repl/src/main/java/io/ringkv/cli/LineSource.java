package io.ringkv.cli;

import java.io.IOException;

/** Where the {@link Repl} reads its commands: a terminal, piped standard input, or a script. */
public interface LineSource {
  /** The next command line, or {@code null} at the end of input (Ctrl-D, end of pipe or script). */
  String readLine() throws IOException;

  /**
   * Prints text that arrives from another thread (a reconnect, a warning) without corrupting the line
   * being edited. Returns false when this source has no terminal, and the REPL prints it itself.
   */
  default boolean printAbove(String text) {
    return false;
  }

  /** True for a person at a terminal: admin commands (LEAVE, REMOVE, STOP) then ask to confirm. */
  default boolean isTerminal() {
    return false;
  }
}
