package io.ringkv.storage.chronicle;

import io.ringkv.storage.StorageLimits;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of {@link ChronicleCrashTest}: opens a store in {@code args[0]} and writes until it
 * is killed, numbering its writes from {@code args[1]} and printing {@code ACK <n>} after write
 * {@code n} has returned. Write {@code n} stores
 * {@code key-n = value-n} and then sets {@code counter} to {@code n} with a read-modify-write (context
 * from the previous read), so the store holds both many keys and a key rewritten in place.
 */
public final class CrashWriterMain {
  /** Writes before the child stops on its own; the parent kills it long before. */
  static final int WRITES_MAX = 100_000;

  private CrashWriterMain() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    try (ChronicleStorageEngine engine = ChronicleStorageEngine.open(ChronicleCrashTest.config(Path.of(args[0])),
        StorageLimits.DEFAULTS)) {
      out.println("OPEN recovered=" + engine.recoveredOnOpen());
      out.flush();
      int first = Integer.parseInt(args[1]);
      for (int n = first; n < first + WRITES_MAX; n++) {
        engine.write(ChronicleCrashTest.key(n), VersionVector.EMPTY, ChronicleCrashTest.value(n), "node-1", n);
        VersionedObject counter = engine.get(ChronicleCrashTest.COUNTER);
        VersionVector ctx = counter == null ? VersionVector.EMPTY : counter.context();
        engine.write(ChronicleCrashTest.COUNTER, ctx, ChronicleCrashTest.value(n), "node-1", n);
        out.println("ACK " + n);
        out.flush();
      }
    }
    out.println("DONE");
    out.flush();
  }
}
