package io.ringkv.cli;

import java.io.BufferedReader;
import java.io.IOException;

/** Lines from piped standard input: no prompt, no echo, no history. */
final class ReaderLineSource implements LineSource {
  private final BufferedReader reader;

  ReaderLineSource(BufferedReader reader) {
    this.reader = reader;
  }

  @Override
  public String readLine() throws IOException {
    return reader.readLine();
  }
}
