package io.ringkv.bench.jmh;

/**
 * JVM flags every forked benchmark JVM gets through {@code @Fork(jvmArgsAppend = ...)}. Annotation
 * values must be compile-time constants, so the root pom's {@code ringkv.jvm.opens} (what Chronicle Map
 * reaches into on JDK 17) is spelled out here; {@code BenchJvmTest} fails the build when the two differ.
 */
final class BenchJvm {
  static final String O1 = "--add-opens=java.base/java.lang=ALL-UNNAMED";
  static final String O2 = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
  static final String O3 = "--add-opens=java.base/java.nio=ALL-UNNAMED";
  static final String O4 = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
  static final String O5 = "--add-opens=java.base/java.io=ALL-UNNAMED";
  static final String O6 = "--add-opens=java.base/java.util=ALL-UNNAMED";
  static final String E1 = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
  static final String E2 = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
  static final String E3 = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
  static final String E4 = "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED";
  static final String E5 = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
  /** Chronicle otherwise phones home at class-load time. */
  static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
  /** A fixed, modest heap so runs on a shared 2-core machine are comparable. */
  static final String HEAP = "-Xmx1g";

  /** The same flags as one list, for the test and for callers that build command lines. */
  static final String[] ALL = {O1, O2, O3, O4, O5, O6, E1, E2, E3, E4, E5, NO_ANALYTICS, HEAP};

  private BenchJvm() {}
}
