package io.ringkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandTextTest {
  @Test
  void theCommandWordIsUpperCasedAndTheRestKept() {
    assertEquals(new CommandText.Command("SET", "k  'a  b'"), CommandText.command("  set   k  'a  b'"));
    assertNull(CommandText.command("   "));
  }

  @Test
  void oneKeyWordOrAQuotedKey() {
    assertEquals(new CommandText.KeyAndRest("k", "v w"), CommandText.key("k   v w"));
    assertEquals(new CommandText.KeyAndRest("my key", "v"), CommandText.key("'my key' v"));
    assertEquals(new CommandText.KeyAndRest("it's", ""), CommandText.key("\"it's\""));
    assertThrows(IllegalArgumentException.class, () -> CommandText.key("   "));
    assertThrows(IllegalArgumentException.class, () -> CommandText.key("'open key"));
  }

  @Test
  void theValueLosesOnePairOfEnclosingMatchingQuotesAndNothingElse() {
    assertEquals("{\"name\": \"Chapayev's Mustache comb\"}",
        CommandText.value("'{\"name\": \"Chapayev's Mustache comb\"}'"));
    assertEquals("'inner'", CommandText.value("\"'inner'\""));
    assertEquals("\"x\"", CommandText.value("'\"x\"'"));
    assertEquals("'half\"", CommandText.value("'half\""));
    assertEquals("a\\nb \\' c", CommandText.value("a\\nb \\' c"));
    assertEquals("  padded  ", CommandText.value("'  padded  '   "));
    assertEquals("'", CommandText.value("'"));
    assertEquals("", CommandText.value("\"\""));
  }

  @Test
  void aScriptSplitsOnlyWhereACommandFollowsTheSemicolon() {
    String set = "SET 0d5d3807-5fbf-4228-a657-5a091c4e497f '{\"name\": \"Chapayev's Mustache comb\"}'";
    assertEquals(List.of(set, "GET 0d5d3807-5fbf-4228-a657-5a091c4e497f", "nodes"),
        CommandText.splitScript(set + "; GET 0d5d3807-5fbf-4228-a657-5a091c4e497f;nodes;", Repl.COMMAND_SET));
    assertEquals(List.of("SET k 'a; b;c'", "GET k"),
        CommandText.splitScript("SET k 'a; b;c'; GET k", Repl.COMMAND_SET));
    assertEquals(List.of("SET k x;getaway", "del k"),
        CommandText.splitScript(" SET k x;getaway ;; del k ; ", Repl.COMMAND_SET));
    assertEquals(List.of(), CommandText.splitScript(" ; ", Repl.COMMAND_SET));
  }
}
