package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminalLineSourceTest {
  @TempDir Path dir;

  Terminal terminal(String typed) throws Exception {
    return new DumbTerminal("test", "dumb", new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)),
        new ByteArrayOutputStream(), StandardCharsets.UTF_8);
  }

  /** A terminal that turns ^C into SIGINT, as a real one does. Not read to its end: EOF then looks like ^Z. */
  Terminal terminalWithSignals(String typed) throws Exception {
    Terminal terminal = terminal(typed);
    Attributes attributes = terminal.getAttributes();
    attributes.setLocalFlag(Attributes.LocalFlag.ISIG, true);
    attributes.setControlChar(Attributes.ControlChar.VINTR, 3);
    terminal.setAttributes(attributes);
    return terminal;
  }

  @Test
  void linesComeBackExactlyAsTypedQuotesEscapesAndBangsIncluded() throws Exception {
    String seed = "SET 0d5d3807-5fbf-4228-a657-5a091c4e497f '{\"name\": \"Chapayev's Mustache comb\"}'";
    String odd = "set k a\\tb \"unclosed !! !$ {";
    try (Terminal terminal = terminal(seed + "\n" + odd + "\nGET k\n")) {
      TerminalLineSource source = new TerminalLineSource(terminal, dir.resolve("history"));
      assertEquals(seed, source.readLine());
      assertEquals(odd, source.readLine());
      assertEquals("GET k", source.readLine());
      assertNull(source.readLine(), "end of input is the end of the session");
    }
  }

  @Test
  void tabCompletesCommandWordsOnlyInFirstPosition() throws Exception {
    try (Terminal terminal = terminal("")) {
      LineReaderImpl reader = (LineReaderImpl) new TerminalLineSource(terminal, null).reader();
      List<Candidate> first = new ArrayList<>();
      reader.getCompleter().complete(reader, reader.getParser().parse("ge", 2), first);
      assertEquals(Repl.COMMANDS, first.stream().map(Candidate::value).toList());
      List<Candidate> second = new ArrayList<>();
      reader.getCompleter().complete(reader, reader.getParser().parse("GET 0d5d", 8), second);
      assertEquals(List.of(), second);
      assertEquals(true, reader.isSet(LineReader.Option.CASE_INSENSITIVE), "'ge' completes to GET");
    }
  }

  @Test
  void historyIsKeptInTheHistoryFile() throws Exception {
    Path history = dir.resolve("sub").resolve("ringkv_history");
    try (Terminal terminal = terminal("SET k v\nGET k\n")) {
      TerminalLineSource source = new TerminalLineSource(terminal, history);
      source.readLine();
      source.readLine();
      source.saveHistory();
    }
    List<String> saved = Files.readAllLines(history);
    assertEquals(2, saved.size(), saved::toString);
    assertEquals(true, saved.get(0).endsWith("SET k v") && saved.get(1).endsWith("GET k"), saved::toString);
  }

  @Test
  void ctrlCDropsTheLineBeingTyped() throws Exception {
    try (Terminal terminal = terminalWithSignals("SET k half\u0003GET k\n")) {
      TerminalLineSource source = new TerminalLineSource(terminal, dir.resolve("history"));
      assertEquals("GET k", source.readLine());
    }
  }
}
