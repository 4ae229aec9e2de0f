package io.ringkv.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchJvmTest {
  /** Surefire passes the root pom's ringkv.jvm.opens; the forked benchmark JVMs must get the same flags. */
  @Test
  void forkFlagsMatchTheRootPom() {
    String fromPom = System.getProperty("ringkv.jvm.opens");
    assumeTrue(fromPom != null, "run through Maven");
    List<String> expected = Arrays.asList(fromPom.trim().split("\\s+"));
    List<String> ours = Arrays.asList(BenchJvm.ALL).subList(0, BenchJvm.ALL.length - 2);
    assertEquals(expected, ours);
  }
}
