package io.ringkv.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.tools.ToolProvider;
import picocli.CommandLine.Command;

/**
 * {@code ringkv jvm-check}: verifies that this JVM grants what Chronicle Map needs (the Add-Opens and
 * Add-Exports of the jar's manifest or the command line, and a full JDK with a compiler). Run it as
 * {@code java -jar ringkv.jar jvm-check} to prove the manifest entries take effect.
 */
@Command(name = "jvm-check", hidden = true, description = "Check that the JVM opens and exports what the node's storage needs.")
final class JvmCheckCommand implements Callable<Integer> {
  /** MODULE/PACKAGE pairs Chronicle Map reflects into; kept equal to the jar manifest's Add-Opens. */
  static final List<String> OPENS = List.of(
      "java.base/java.lang", "java.base/java.lang.reflect", "java.base/java.nio", "java.base/sun.nio.ch",
      "java.base/java.io", "java.base/java.util");
  /** MODULE/PACKAGE pairs Chronicle Map links against; kept equal to the jar manifest's Add-Exports. */
  static final List<String> EXPORTS = List.of(
      "java.base/sun.nio.ch", "java.base/jdk.internal.ref", "java.base/jdk.internal.misc",
      "jdk.unsupported/sun.misc", "jdk.compiler/com.sun.tools.javac.file");

  @Override
  public Integer call() {
    List<String> problems = problems();
    for (String opens : OPENS) {
      System.out.println("opens   " + opens + (problems.contains("opens " + opens) ? "  MISSING" : "  ok"));
    }
    for (String exports : EXPORTS) {
      System.out.println("exports " + exports + (problems.contains("exports " + exports) ? "  MISSING" : "  ok"));
    }
    boolean compiler = ToolProvider.getSystemJavaCompiler() != null;
    System.out.println("compiler" + (compiler ? "  ok" : "  MISSING (a JRE; Chronicle Map needs a full JDK)"));
    System.out.println("chronicle.analytics.disable=" + System.getProperty("chronicle.analytics.disable"));
    return problems.isEmpty() && compiler ? 0 : 1;
  }

  /** "opens M/P" or "exports M/P" for each grant this JVM lacks for the unnamed module. */
  static List<String> problems() {
    Module unnamed = JvmCheckCommand.class.getModule();
    List<String> problems = new ArrayList<>();
    for (String pair : OPENS) {
      Optional<Module> module = ModuleLayer.boot().findModule(pair.substring(0, pair.indexOf('/')));
      if (module.isEmpty() || !module.get().isOpen(pair.substring(pair.indexOf('/') + 1), unnamed)) {
        problems.add("opens " + pair);
      }
    }
    for (String pair : EXPORTS) {
      Optional<Module> module = ModuleLayer.boot().findModule(pair.substring(0, pair.indexOf('/')));
      if (module.isEmpty() || !module.get().isExported(pair.substring(pair.indexOf('/') + 1), unnamed)) {
        problems.add("exports " + pair);
      }
    }
    return problems;
  }
}
