package io.ringkv.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** ClientLoad's bad input: a clear line on stderr and exit status 2, before any connection is made. */
class ClientLoadTest {
  private static int run(ByteArrayOutputStream err, String... args) {
    PrintStream saved = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new ClientLoad()).execute(args);
    } finally {
      System.setErr(saved);
    }
  }

  @Test
  void aHostWithoutAPortIsRefusedWithExitStatus2() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, run(err, "--hosts", "127.0.0.1"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--hosts: expected HOST:PORT, got '127.0.0.1'"),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void fewerKeysThanClientsAndAnUnknownPhaseAreRefused() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, run(err, "--hosts", "127.0.0.1:1", "--clients", "8", "--keys", "4"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--keys >= --clients"), err.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertEquals(2, run(err2, "--hosts", "127.0.0.1:1", "--ops", "get,scan"));
    assertTrue(err2.toString(StandardCharsets.UTF_8).contains("--ops takes get and put, got 'scan'"),
        err2.toString(StandardCharsets.UTF_8));
  }

  @Test
  void hostListsAreParsedAndABlankOneIsRefused() {
    assertEquals(List.of("a:1", "b:2", "c:3"),
        Connections.parseHosts(" a:1, b:2 ,c:3").stream().map(h -> h.host() + ":" + h.port()).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Connections.parseHosts(" "));
    assertTrue(e.getMessage().contains("host:port"), e.getMessage());
  }
}
