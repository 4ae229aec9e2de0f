package io.ringkv.security;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ringkv.runtime.Clock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a Hello's user name and password against the users file, off the event loops.
 *
 * <ul>
 *   <li>The hash work (PBKDF2, ~0.3 s) runs on one "login" thread with a queue of
 *       {@link #LOGIN_QUEUE_MAX}; a full queue refuses the login at once (a flood of logins costs the node
 *       one core, never its event loops or its memory).
 *   <li>An unknown user is checked against a dummy hash of the same iteration count, so it costs the
 *       same work as a wrong password and the answer is the same ("bad user name or password").
 *   <li>Failures are counted ({@code ringkv.auth.failures}) and slowed per source by {@link LoginThrottle};
 *       attempts refused by it count as {@code ringkv.auth.throttled}, successes as {@code ringkv.auth.logins}.
 *   <li>A password that verified is remembered as an HMAC under a key of this process, so a client's
 *       reconnects and failovers do not pay the hash again; a wrong password never takes that path.
 *       The memory is cleared when the file changes.
 *   <li>The users file is re-read when its modification time or size changes, checked at most once per
 *       {@link #RELOAD_CHECK_MS} on a login. A file that no longer parses keeps the previous users.
 * </ul>
 */
public final class Authenticator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  /** Logins waiting for the login thread (default 64: a burst of reconnecting clients; more are refused). */
  public static final int LOGIN_QUEUE_MAX = 64;
  /** How often a login may look at the users file's time stamp (default 1000 ms). */
  public static final long RELOAD_CHECK_MS = 1_000;
  /** Longest password accepted (default 1,024 characters; PBKDF2 hashes any length, this bounds the frame). */
  public static final int PASSWORD_CHARS_MAX = 1_024;

  /** The outcome of one login: the user's role, or the one-line reason it was refused. */
  public record Outcome(Role role, String refusal) {
    public boolean ok() {
      return role != null;
    }
  }

  private final Path file;
  private final Clock clock;
  private final LoginThrottle throttle;
  private final ThreadPoolExecutor executor;
  private final Counter logins;
  private final Counter failures;
  private final Counter throttled;
  private final byte[] cacheKey = new byte[32];
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
  private volatile Map<String, UsersFile.User> users;
  private volatile PasswordHash dummy;
  private FileTime loadedTime;
  private long loadedSize;
  private long lastCheckMs;

  /** Reads the users file now; throws {@link IOException} naming the file and line when it cannot. */
  public Authenticator(Path file, Clock clock, MetricRegistry metrics) throws IOException {
    this.file = Objects.requireNonNull(file, "file");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.throttle = new LoginThrottle(clock, LoginThrottle.SOURCES_MAX);
    this.logins = metrics.counter("ringkv.auth.logins");
    this.failures = metrics.counter("ringkv.auth.failures");
    this.throttled = metrics.counter("ringkv.auth.throttled");
    new SecureRandom().nextBytes(cacheKey);
    if (!Files.isRegularFile(file)) {
      throw new IOException("users file " + file + " does not exist (create it with `ringkv users add NAME --role R"
          + " --users-file " + file + "`)");
    }
    load();
    if (users.isEmpty()) {
      log.warn("users file {} holds no users: every login is refused", file);
    }
    this.lastCheckMs = clock.nowMs();
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(LOGIN_QUEUE_MAX),
        r -> {
          Thread t = new Thread(r, "ringkv-login");
          t.setDaemon(true);
          return t;
        });
  }

  public LoginThrottle throttle() {
    return throttle;
  }

  /**
   * Checks a login from {@code source} (the client's IP address). Completes on the login thread, or at
   * once when the source must wait or the queue is full. Never throws.
   */
  public CompletableFuture<Outcome> authenticate(String source, String user, String password) {
    long wait = throttle.waitMs(source);
    if (wait > 0) {
      throttled.inc();
      return CompletableFuture.completedFuture(new Outcome(null,
          "too many failed logins from " + source + "; retry in " + wait + " ms"));
    }
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    try {
      executor.execute(() -> result.complete(check(source, user, password)));
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(new Outcome(null,
          "too many logins in progress (" + LOGIN_QUEUE_MAX + "); retry later"));
    }
    return result;
  }

  /** The check itself, on the calling thread (the login thread; tests call it directly). */
  Outcome check(String source, String user, String password) {
    try {
      reloadIfDue();
      UsersFile.User u = user == null ? null : users.get(user);
      char[] chars = password == null || password.isEmpty() || password.length() > PASSWORD_CHARS_MAX
          ? null : password.toCharArray();
      boolean ok;
      if (u != null && chars != null && MessageDigest.isEqual(verified.get(u.name()), remembered(u.name(), password))) {
        ok = true;
      } else if (u != null && chars != null) {
        ok = u.hash().matches(chars);
        if (ok) {
          verified.put(u.name(), remembered(u.name(), password));
        }
      } else {
        dummy.matches(chars == null ? new char[] {'\0'} : chars); // the same work as a wrong password
        ok = false;
      }
      if (ok) {
        throttle.succeeded(source);
        logins.inc();
        return new Outcome(u.role(), null);
      }
      failures.inc();
      long wait = throttle.failed(source);
      log.info("failed login for user '{}' from {} (next attempt allowed in {} ms)", printable(user), source, wait);
      return new Outcome(null, "bad user name or password");
    } catch (RuntimeException e) {
      log.error("login check failed", e);
      return new Outcome(null, "login failed: internal error");
    }
  }

  private byte[] remembered(String user, String password) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
      mac.update(user.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private synchronized void reloadIfDue() {
    long now = clock.nowMs();
    if (now - lastCheckMs < RELOAD_CHECK_MS) {
      return;
    }
    lastCheckMs = now;
    try {
      if (!Files.getLastModifiedTime(file).equals(loadedTime) || Files.size(file) != loadedSize) {
        load();
        log.info("users file {} changed: {} users loaded", file, users.size());
      }
    } catch (IOException e) {
      log.error("users file {} changed but cannot be read; keeping the previous users: {}", file, e.getMessage());
    }
  }

  private synchronized void load() throws IOException {
    FileTime time = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    Map<String, UsersFile.User> read = UsersFile.read(file);
    // the dummy costs what the file's users cost (their highest count), so unknown and known users take as long
    int iterations = read.isEmpty() ? PasswordHash.DEFAULT_ITERATIONS : 0;
    for (UsersFile.User u : read.values()) {
      iterations = Math.max(iterations, u.hash().iterations());
    }
    if (dummy == null || dummy.iterations() != iterations) {
      dummy = PasswordHash.create("not a password".toCharArray(), iterations);
    }
    users = Map.copyOf(read);
    verified.clear();
    loadedTime = time;
    loadedSize = size;
  }

  private static String printable(String s) {
    if (s == null) {
      return "";
    }
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
