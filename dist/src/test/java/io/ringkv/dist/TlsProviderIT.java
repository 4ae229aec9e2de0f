package io.ringkv.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.cli.JarProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code ringkv.jar} carries OpenSSL (netty-tcnative-boringssl-static's loader and its
 * linux-x86_64 library), a node from it runs TLS on OpenSSL, and {@code --tls-provider} refuses a bad
 * value with a message that names the flag.
 */
class TlsProviderIT {
  static final String NATIVE_LIB = "META-INF/native/libnetty_tcnative_linux_x86_64.so";

  @TempDir
  Path dir;
  private JarProcesses jar;

  @BeforeEach
  void setUp() {
    jar = new JarProcesses(dir);
  }

  @AfterEach
  void killAll() throws InterruptedException {
    jar.close();
  }

  private static Path ringkvJar() {
    return Path.of(System.getProperty("ringkv.jar", "target/ringkv.jar")).toAbsolutePath();
  }

  @Test
  void theJarCarriesTheOpenSslLibraryAndItsLoader() throws Exception {
    try (JarFile j = new JarFile(ringkvJar().toFile())) {
      assertNotNull(j.getEntry(NATIVE_LIB), NATIVE_LIB + " is not in " + ringkvJar());
      assertNotNull(j.getEntry("io/netty/internal/tcnative/SSL.class"), "netty-tcnative-classes is not in the jar");
    }
  }

  @Test
  void aNodeFromTheJarRunsTlsOnOpenSsl() throws Exception {
    Path pki = dir.resolve("pki");
    Process certs = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        ringkvJar().toString(), "certs", pki.toString(), "--nodes", "n1").redirectErrorStream(true)
        .redirectOutput(dir.resolve("certs.log").toFile()).start();
    assertTrue(certs.waitFor(JarProcesses.WAIT_MS, TimeUnit.MILLISECONDS), "ringkv certs did not finish");
    assertEquals(0, certs.exitValue(), "ringkv certs failed");
    int port = JarProcesses.freePort();
    Process node = jar.node("n1", List.of(), List.of("--host", "127.0.0.1", "--port", Integer.toString(port),
        "--http-port", "-1", "--tls", "all", "--tls-cert", pki.resolve("n1.pem").toString(), "--tls-key",
        pki.resolve("n1.key").toString(), "--tls-ca", pki.resolve("ca.pem").toString(), "--tls-provider", "openssl"));
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JarProcesses.WAIT_MS);
    String log = "";
    while (!log.contains("security: tls all")) {
      if (!node.isAlive()) {
        throw new AssertionError("the node exited (" + node.exitValue() + "):\n" + jar.log("n1"));
      }
      assertTrue(System.nanoTime() < end, "no security line in the node's log:\n" + log);
      Thread.sleep(100);
      log = jar.log("n1");
    }
    assertTrue(log.contains("TLS provider OpenSSL (BoringSSL"), "one line names the provider:\n" + log);
  }

  @Test
  void aBadProviderIsRefusedByName() throws Exception {
    Process node = jar.node("bad", List.of(), List.of("--port", Integer.toString(JarProcesses.freePort()),
        "--tls-provider", "boringssl"));
    assertTrue(node.waitFor(JarProcesses.WAIT_MS, TimeUnit.MILLISECONDS), "the node did not exit");
    assertEquals(2, node.exitValue(), jar.log("bad"));
    assertTrue(jar.log("bad").contains("Error: --tls-provider must be auto, openssl or jdk, got 'boringssl'"),
        jar.log("bad"));
  }
}
