package io.ringkv.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A summary of a JFR recording for the profile report (JDK 17's {@code jfr} has no {@code view}):
 * CPU samples by thread, by leaf method (self time) and by any frame (total time, io.ringkv frames and
 * a few library packages), allocation by class and by allocating ringkv frame, monitor contention and
 * thread parking by where it happened, in Markdown.
 *
 * <pre>JfrTop RECORDING.jfr [TOP_N]</pre>
 */
public final class JfrTop {
  private JfrTop() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrTop RECORDING.jfr [TOP_N]");
      System.exit(2);
    }
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    Map<String, Long> byThread = new HashMap<>();
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> total = new HashMap<>();
    Map<String, Long> allocByClass = new HashMap<>();
    Map<String, Long> allocByFrame = new HashMap<>();
    Map<String, Long> monitorByFrame = new HashMap<>();
    Map<String, Long> parkByFrame = new HashMap<>();
    Map<String, Long> gc = new HashMap<>();
    long samples = 0;
    long allocTotal = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      String type = e.getEventType().getName();
      switch (type) {
        case "jdk.ExecutionSample" -> {
          samples++;
          RecordedThread t = e.getThread("sampledThread");
          byThread.merge(threadGroup(t == null ? "?" : t.getJavaName()), 1L, Long::sum);
          List<RecordedFrame> frames = frames(e.getStackTrace());
          if (!frames.isEmpty()) {
            self.merge(name(frames.get(0)), 1L, Long::sum);
          }
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : frames) {
            String n = name(f);
            if (seen.add(n)) {
              total.merge(n, 1L, Long::sum);
            }
          }
        }
        case "jdk.ObjectAllocationSample" -> {
          long w = e.getLong("weight");
          allocTotal += w;
          allocByClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
          allocByFrame.merge(firstFrame(e.getStackTrace(), n -> n.startsWith("io.ringkv")), w, Long::sum);
        }
        case "jdk.JavaMonitorEnter" -> monitorByFrame.merge(
            e.getClass("monitorClass").getName() + " @ " + firstFrame(e.getStackTrace(), n -> true),
            e.getDuration().toNanos(), Long::sum);
        case "jdk.ThreadPark" -> parkByFrame.merge(
            threadGroup(e.getThread().getJavaName()) + " @ " + firstFrame(e.getStackTrace(),
                n -> !n.startsWith("java.util.concurrent.locks") && !n.startsWith("jdk.internal.misc")),
            e.getDuration().toNanos(), Long::sum);
        case "jdk.GarbageCollection" -> {
          gc.merge(e.getString("name") + " count", 1L, Long::sum);
          gc.merge(e.getString("name") + " total ms", e.getDuration().toMillis(), Long::sum);
        }
        default -> { }
      }
    }
    System.out.println("### CPU samples by thread (" + samples + " samples)");
    print(byThread, samples, top, "samples");
    System.out.println("### Hottest methods, self (leaf frame)");
    print(self, samples, top, "samples");
    System.out.println("### Hottest frames, total (frame anywhere on the stack), io.ringkv / netty / kryo / chronicle");
    Map<String, Long> filtered = new LinkedHashMap<>();
    total.forEach((k, v) -> {
      if (k.startsWith("io.ringkv") || k.startsWith("io.netty.channel") || k.startsWith("com.esotericsoftware")
          || k.startsWith("net.openhft.chronicle.map") || k.startsWith("java.util.concurrent")) {
        filtered.put(k, v);
      }
    });
    print(filtered, samples, top, "samples");
    System.out.println("### Allocation (sampled weight) by class");
    print(allocByClass, allocTotal, top, "bytes");
    System.out.println("### Allocation by first io.ringkv frame");
    print(allocByFrame, allocTotal, top, "bytes");
    System.out.println("### Monitor contention (blocked time) by monitor and frame");
    print(monitorByFrame, 0, top, "ns");
    System.out.println("### Thread parking (time parked, events over the threshold) by thread and frame");
    print(parkByFrame, 0, top, "ns");
    System.out.println("### GC");
    print(gc, 0, top, "");
  }

  private static String threadGroup(String name) {
    return name == null ? "?" : name.replaceAll("-\\d+$", "-N").replaceAll("#\\d+", "#N");
  }

  private static List<RecordedFrame> frames(RecordedStackTrace st) {
    return st == null ? List.of() : st.getFrames();
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static String firstFrame(RecordedStackTrace st, Predicate<String> accept) {
    for (RecordedFrame f : frames(st)) {
      String n = name(f);
      if (accept.test(n)) {
        return n + ":" + f.getLineNumber();
      }
    }
    return "(none)";
  }

  private static void print(Map<String, Long> counts, long whole, int top, String unit) {
    System.out.println();
    System.out.println("| " + unit + " | share | where |");
    System.out.println("|---:|---:|---|");
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
        .forEach(en -> System.out.println(String.format(Locale.ROOT, "| %,d | %s | `%s` |", en.getValue(),
            whole > 0 ? String.format(Locale.ROOT, "%.1f%%", 100.0 * en.getValue() / whole) : "-", en.getKey())));
    System.out.println();
  }
}
