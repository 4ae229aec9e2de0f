package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private long nowMs = 5_000;
  private final List<String> published = new ArrayList<>();

  private Progress progress(String label, long total) {
    return new Progress(label, total, () -> nowMs, (source, line) -> published.add(line));
  }

  @Test
  void aStreamIsShownFromItsStartEveryTwoSecondsAndClearedAtTheEnd() {
    try (Progress p = progress("leaving", 10_000)) {
      assertEquals(List.of("leaving: 0% (0 of 10,000 keys, 0 B)"), published);
      nowMs += 1_000;
      p.update(1_000, 100_000);
      assertEquals(1, published.size(), "not due yet");
      nowMs += 9_000; // 10 s for 4,200 keys: 5,800 more take 13.8 s
      p.update(4_200, (long) (1.2 * 1024 * 1024));
      assertEquals("leaving: 42% (4,200 of 10,000 keys, 1.2 MiB), ETA 14 s", published.get(1));
      nowMs += 1_999;
      p.update(5_000, 2L << 20);
      assertEquals(2, published.size(), "at most one line per interval");
      nowMs += 1;
      p.update(5_000, 2L << 20);
      assertEquals("leaving: 50% (5,000 of 10,000 keys, 2.0 MiB), ETA 12 s", published.get(2));
      p.update(10_000, 4L << 20);
      assertEquals("leaving: 100% (10,000 of 10,000 keys, 4.0 MiB)", p.line(), "no ETA once done");
    }
    assertEquals("", published.get(published.size() - 1), "closing clears the activity");
    assertEquals(4, published.size());
  }

  @Test
  void closingTwiceClearsOnceAndAnEmptyTaskIsDoneWithoutShowingAnything() {
    Progress p = progress("streaming to n4", 0);
    assertEquals("streaming to n4: 100% (0 of 0 keys, 0 B)", p.line());
    assertEquals(List.of(), published);
    p.close();
    p.close();
    assertEquals(List.of(""), published);
    assertThrows(IllegalArgumentException.class, () -> progress("x", -1));
  }

  @Test
  void humanReadableBytesAndDurations() {
    assertEquals(List.of("0 B", "1023 B", "1.0 KiB", "1.5 KiB", "1.0 MiB", "3.0 GiB", "8.0 EiB"),
        List.of(Progress.bytes(0), Progress.bytes(1023), Progress.bytes(1024), Progress.bytes(1536),
            Progress.bytes((1L << 20) - 1), Progress.bytes(3L << 30), Progress.bytes(Long.MAX_VALUE)));
    assertEquals(List.of("0 s", "1 s", "119 s", "2 min", "119 min", "2 h"),
        List.of(Progress.duration(0), Progress.duration(1), Progress.duration(119_000), Progress.duration(119_001),
            Progress.duration(119 * 60_000), Progress.duration(119 * 60_000 + 1)));
  }
}
