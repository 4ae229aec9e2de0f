package io.ringkv.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The commands of {@code -e "CMD; CMD"}, one after the other. */
final class ScriptLineSource implements LineSource {
  private final Deque<String> commands;

  ScriptLineSource(List<String> commands) {
    this.commands = new ArrayDeque<>(commands);
  }

  static ScriptLineSource of(String script) {
    return new ScriptLineSource(CommandText.splitScript(script, Repl.COMMAND_SET));
  }

  @Override
  public String readLine() {
    return commands.poll();
  }
}
