package io.ringkv.sim;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The seed of every simulated cluster, and how to replay one. A test names its own seed; with
 * {@code -Dringkv.sim.seed=N} every {@link SimCluster} of the run uses N instead. When a test that built a
 * simulation fails, {@link Report} (registered for every ring-node test through
 * {@code META-INF/services}, autodetection on in {@code junit-platform.properties}) adds the seed and the
 * one command that runs that test again on it:
 *
 * <pre>
 * simulation seed 7; replay: ./mvnw -B -ntp -pl ring-node -am test -Dsurefire.failIfNoSpecifiedTests=false '-Dtest=ClusterSimulationTest#x' -Dringkv.sim.seed=7
 * </pre>
 *
 * A run is a function of its seed (SimulationDeterminismTest), so the replay fails the same way.
 */
public final class SimSeed {
  /** The system property that overrides every simulation's seed. */
  public static final String PROPERTY = "ringkv.sim.seed";

  /** Seeds the current test's simulations used, in order (the test thread runs them all). */
  private static final ThreadLocal<List<Long>> USED = ThreadLocal.withInitial(ArrayList::new);

  private SimSeed() {}

  /** The seed a simulation runs on: {@code -Dringkv.sim.seed} when set, else {@code seed}; remembered. */
  public static long use(long seed) {
    String override = System.getProperty(PROPERTY);
    long s = override == null || override.isBlank() ? seed : Long.parseLong(override.trim());
    USED.get().add(s);
    return s;
  }

  /** The system property that sets how many seeds each seeded scenario runs (a soak: {@code -Dringkv.sim.seeds=200}). */
  public static final String COUNT_PROPERTY = "ringkv.sim.seeds";

  /**
   * How many seeds a scenario runs: {@code -Dringkv.sim.seeds} when set, else {@code byDefault} (what the
   * default suite affords); 1 when a replay names the seed.
   */
  public static int count(int byDefault) {
    if (overridden()) {
      return 1;
    }
    return Math.max(1, Integer.getInteger(COUNT_PROPERTY, byDefault));
  }

  /** True when the run replays one seed ({@code -Dringkv.sim.seed} is set). */
  public static boolean overridden() {
    String override = System.getProperty(PROPERTY);
    return override != null && !override.isBlank();
  }

  /** The seeds the current test's simulations used so far. */
  static List<Long> used() {
    return List.copyOf(USED.get());
  }

  /** The command that runs {@code testClass#method} again on {@code seed}, from the repository's root. */
  public static String replayCommand(String testClass, String method, long seed) {
    return "./mvnw -B -ntp -pl ring-node -am test -Dsurefire.failIfNoSpecifiedTests=false '-Dtest=" + testClass
        + "#" + method + "' -D" + PROPERTY + "=" + seed;
  }

  /**
   * Adds the seed and the replay command to the failure of a test that ran a simulation. The seed named is
   * the last one used: a test's simulations run one after another, and the failing one is the last.
   */
  public static final class Report implements BeforeEachCallback, TestExecutionExceptionHandler {
    @Override
    public void beforeEach(ExtensionContext context) {
      USED.get().clear();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
      List<Long> seeds = USED.get();
      if (seeds.isEmpty() || context.getTestMethod().isEmpty()
          || failure instanceof org.opentest4j.TestAbortedException) {
        throw failure;
      }
      long seed = seeds.get(seeds.size() - 1);
      Class<?> test = context.getRequiredTestClass();
      String name = test.getName().substring(test.getPackageName().isEmpty() ? 0 : test.getPackageName().length() + 1);
      String line = "simulation seed " + seed + "; replay: " + replayCommand(name,
          context.getRequiredTestMethod().getName(), seed);
      // on stderr too: Surefire's report file keeps it even where the failure's message is cut
      System.err.println(line);
      AssertionError withSeed = new AssertionError(failure.getMessage() + "\n" + line, failure);
      withSeed.setStackTrace(failure.getStackTrace());
      throw withSeed;
    }
  }
}
