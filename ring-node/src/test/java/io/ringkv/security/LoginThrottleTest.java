package io.ringkv.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The brute-force brake, on an injected clock: waits double per failure, are capped, and are per source. */
class LoginThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final LoginThrottle throttle = new LoginThrottle(now::get, 3);

  @Test
  void eachFailureDoublesTheWaitUpToTheCap() {
    assertEquals(0, throttle.waitMs("10.0.0.1"));
    assertEquals(250, throttle.failed("10.0.0.1"));
    assertEquals(250, throttle.waitMs("10.0.0.1"));
    now.addAndGet(100);
    assertEquals(150, throttle.waitMs("10.0.0.1"));
    assertEquals(500, throttle.failed("10.0.0.1"));
    assertEquals(1_000, throttle.failed("10.0.0.1"));
    for (int i = 0; i < 20; i++) {
      throttle.failed("10.0.0.1");
    }
    assertEquals(LoginThrottle.BACKOFF_MAX_MS, throttle.waitMs("10.0.0.1"));
    assertEquals(0, throttle.waitMs("10.0.0.2"), "another source is not slowed");
  }

  @Test
  void aSuccessOrTenQuietMinutesClearTheSource() {
    throttle.failed("a");
    throttle.failed("a");
    throttle.succeeded("a");
    assertEquals(0, throttle.waitMs("a"));
    assertEquals(250, throttle.failed("a"), "starts over from the first wait");
    throttle.failed("a");
    now.addAndGet(LoginThrottle.FORGET_AFTER_MS);
    assertEquals(0, throttle.waitMs("a"));
    assertEquals(250, throttle.failed("a"));
  }

  @Test
  void theTableIsBoundedAndForgetsTheLeastRecentSource() {
    throttle.failed("a");
    throttle.failed("b");
    throttle.failed("c");
    throttle.failed("d");
    assertEquals(3, throttle.size());
    assertEquals(0, throttle.failures("a"));
    assertEquals(1, throttle.failures("d"));
  }
}
