package io.ringkv.storage.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ringkv.storage.StorageLimits;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.ValueModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class storage ships for Chronicle Map's global state ({@code VanillaGlobalMutableState$$Native}) is
 * the one Chronicle would generate and compile with javac at start, and Chronicle uses it.
 */
class ChronicleGeneratedClassTest {
  private static final Path SHIPPED =
      Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");

  @Test
  void shippedSourceIsWhatChronicleValuesGenerates() throws Exception {
    Class<?> generators = Class.forName("net.openhft.chronicle.values.Generators");
    Method generate = generators.getDeclaredMethod("generateNativeClass", ValueModel.class, String.class);
    generate.setAccessible(true);
    String generated = (String) generate.invoke(null, ValueModel.acquire(VanillaGlobalMutableState.class),
        "VanillaGlobalMutableState$$Native");
    String shipped = Files.readAllLines(SHIPPED, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.startsWith("//") && !line.startsWith("@SuppressWarnings"))
        .collect(Collectors.joining("\n"));
    assertEquals(generated.strip(), shipped.strip(), "Chronicle Values now generates another " + SHIPPED.getFileName()
        + ": dump it again (-Dchronicle.values.dumpCode=true) and replace the code in " + SHIPPED);
  }

  @Test
  void chronicleLoadsTheShippedClassInsteadOfCompilingOne(@TempDir Path tmp) throws Exception {
    try (ChronicleStorageEngine e = ChronicleStorageEngine.open(
        ChronicleStorageConfig.defaults(tmp.resolve("d")).withEntries(1_000), StorageLimits.DEFAULTS)) {
      Class<?> used = ValueModel.acquire(VanillaGlobalMutableState.class).nativeClass();
      assertSame(Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native"), used);
      // a class Chronicle compiled at run time has no code source; the shipped one comes from storage's classes
      assertNotNull(used.getProtectionDomain().getCodeSource(), "Chronicle compiled its own " + used.getName());
      assertEquals(ChronicleStorageEngine.class.getProtectionDomain().getCodeSource().getLocation(),
          used.getProtectionDomain().getCodeSource().getLocation());
    }
  }
}
