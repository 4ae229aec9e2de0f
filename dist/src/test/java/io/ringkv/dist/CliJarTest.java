package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The REPL's own jar ({@code repl/target/ringkv-cli.jar}, built before this module in the reactor) holds
 * the client and the REPL only: no server, storage engine, gossip or internode wire types.
 */
class CliJarTest {
  static final Path CLI_JAR = Path.of("..", "repl", "target", "ringkv-cli.jar");

  /** Entry prefixes that would mean the server leaked into the CLI. */
  static final List<String> SERVER_PREFIXES = List.of("net/openhft/", "io/ringkv/node/", "io/ringkv/storage/",
      "io/ringkv/gossip/", "io/ringkv/internode/", "io/ringkv/coordinator/", "io/ringkv/ring/",
      "META-INF/services/io.ringkv.protocol.WireExtension");

  @Test
  void theCliJarHoldsNoServerClasses() throws IOException {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR.toAbsolutePath() + " is built by the repl module before dist");
    try (JarFile jar = new JarFile(CLI_JAR.toFile())) {
      List<String> leaked = jar.stream().map(e -> e.getName())
          .filter(name -> SERVER_PREFIXES.stream().anyMatch(name::startsWith)).limit(10).toList();
      assertEquals(List.of(), leaked);
      assertTrue(jar.getEntry("io/ringkv/client/NettyRingkvClient.class") != null, "the client is in it");
      assertTrue(jar.getEntry("io/ringkv/cli/Repl.class") != null, "the REPL is in it");
    }
  }

  @Test
  void theCliJarRunsOnItsOwn() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-jar", CLI_JAR.toString(), "--help")
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -jar ringkv-cli.jar --help did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("Usage: cli"), out);
  }
}
