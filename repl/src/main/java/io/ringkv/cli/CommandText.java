package io.ringkv.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How a REPL line is read. Pure functions, no I/O.
 *
 * <ul>
 *   <li>The first word is the command, case-insensitive.
 *   <li>The key is the next word; it may be quoted ({@code 'my key'}) to hold spaces.
 *   <li>The value is the rest of the line after the key, trailing blanks dropped, with ONE pair of
 *       enclosing matching quotes (single or double) removed. Nothing else is interpreted: no escapes,
 *       and quotes inside stay as typed, so {@code '{"name": "Chapayev's Mustache comb"}'} stores
 *       {@code {"name": "Chapayev's Mustache comb"}}. To keep leading or trailing blanks, quote.
 * </ul>
 */
final class CommandText {
  private CommandText() {}

  /** A line split into its command word (upper case) and the rest (leading blanks dropped). */
  record Command(String verb, String rest) {}

  /** A key and the text after it (leading blanks dropped). */
  record KeyAndRest(String key, String rest) {}

  /** Null for a blank line. */
  static Command command(String line) {
    String s = line.strip();
    if (s.isEmpty()) {
      return null;
    }
    int end = 0;
    while (end < s.length() && !Character.isWhitespace(s.charAt(end))) {
      end++;
    }
    return new Command(s.substring(0, end).toUpperCase(Locale.ROOT), s.substring(end).stripLeading());
  }

  /**
   * Takes the key off the front of {@code rest}.
   *
   * @throws IllegalArgumentException when there is no key or its quote is not closed
   */
  static KeyAndRest key(String rest) {
    String s = rest.stripLeading();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("missing key");
    }
    char first = s.charAt(0);
    if (first == '\'' || first == '"') {
      for (int j = 1; j < s.length(); j++) {
        if (s.charAt(j) == first && (j + 1 == s.length() || Character.isWhitespace(s.charAt(j + 1)))) {
          return new KeyAndRest(s.substring(1, j), s.substring(j + 1).stripLeading());
        }
      }
      throw new IllegalArgumentException("the key's quote " + first + " is not closed");
    }
    int end = 0;
    while (end < s.length() && !Character.isWhitespace(s.charAt(end))) {
      end++;
    }
    return new KeyAndRest(s.substring(0, end), s.substring(end).stripLeading());
  }

  /** The value a SET stores: {@code rest} without trailing blanks and one pair of enclosing quotes. */
  static String value(String rest) {
    String s = rest.strip();
    if (s.length() >= 2) {
      char first = s.charAt(0);
      if ((first == '\'' || first == '"') && s.charAt(s.length() - 1) == first) {
        return s.substring(1, s.length() - 1);
      }
    }
    return s;
  }

  /**
   * Splits a {@code -e} script into commands. A {@code ;} ends a command only where it is followed
   * by a command word (or by the end): values are free text and may hold quotes that do not pair up
   * (seed 002's {@code Chapayev's}), so quote counting cannot find the boundaries. A value containing
   * "; GET ..." itself must be given on standard input instead.
   */
  static List<String> splitScript(String script, Set<String> verbs) {
    List<String> commands = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < script.length(); i++) {
      if (script.charAt(i) == ';' && startsWithVerbOrEnd(script, i + 1, verbs)) {
        addIfNotBlank(commands, script.substring(start, i));
        start = i + 1;
      }
    }
    addIfNotBlank(commands, script.substring(start));
    return commands;
  }

  private static boolean startsWithVerbOrEnd(String s, int from, Set<String> verbs) {
    int i = from;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    if (i == s.length() || s.charAt(i) == ';') {
      return true;
    }
    int wordStart = i;
    while (i < s.length() && Character.isLetter(s.charAt(i))) {
      i++;
    }
    boolean wordEnds = i == s.length() || Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ';';
    return wordEnds && verbs.contains(s.substring(wordStart, i).toUpperCase(Locale.ROOT));
  }

  private static void addIfNotBlank(List<String> commands, String command) {
    if (!command.isBlank()) {
      commands.add(command.strip());
    }
  }
}
