package io.ringkv.cli;

import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.completer.ArgumentCompleter;
import org.jline.reader.impl.completer.NullCompleter;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;

/**
 * Lines from a terminal through JLine: a prompt, line editing, completion of command words, and a
 * persistent history. Ctrl-C abandons the line being typed; Ctrl-D ends the session.
 *
 * <p>The line comes back exactly as typed: the parser knows no quotes or escapes (values are free
 * text, and seed 002's {@code Chapayev's} must not open a multi-line quote), and history expansion
 * ({@code !}) is off so values keep their exclamation marks.
 */
final class TerminalLineSource implements LineSource {
  static final String PROMPT = "> ";

  private final LineReader reader;

  TerminalLineSource(Terminal terminal, Path historyFile) {
    DefaultParser parser = new DefaultParser();
    parser.setQuoteChars(new char[0]);
    parser.setEscapeChars(new char[0]);
    parser.setEofOnUnclosedQuote(false);
    parser.setEofOnEscapedNewLine(false);
    LineReaderBuilder builder = LineReaderBuilder.builder()
        .appName("ringkv")
        .terminal(terminal)
        .parser(parser)
        .completer(new ArgumentCompleter(new StringsCompleter(Repl.COMMANDS), NullCompleter.INSTANCE))
        .option(LineReader.Option.CASE_INSENSITIVE, true)
        .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
        .option(LineReader.Option.INSERT_TAB, false);
    if (historyFile != null) {
      builder.variable(LineReader.HISTORY_FILE, historyFile);
    }
    this.reader = builder.build();
  }

  @Override
  public String readLine() {
    while (true) {
      try {
        return reader.readLine(PROMPT);
      } catch (UserInterruptException e) {
        // Ctrl-C: drop the line, ask again (as bash and cqlsh do)
      } catch (EndOfFileException e) {
        return null;
      }
    }
  }

  @Override
  public boolean printAbove(String text) {
    reader.printAbove(text);
    return true;
  }

  LineReader reader() {
    return reader;
  }

  /** Writes the history file (it is also appended to as lines are entered). */
  void saveHistory() {
    try {
      reader.getHistory().save();
    } catch (java.io.IOException e) {
      System.err.println("Error: could not save history: " + e.getMessage());
    }
  }

  @Override
  public boolean isTerminal() {
    return true;
  }
}
