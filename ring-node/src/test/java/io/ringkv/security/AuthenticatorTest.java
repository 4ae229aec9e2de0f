package io.ringkv.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logins against a users file, on an injected clock: roles, refusals, the brake, and reloads. */
class AuthenticatorTest {
  @TempDir
  Path dir;
  Path file;
  final AtomicLong now = new AtomicLong(5_000_000);
  final MetricRegistry metrics = new MetricRegistry();
  Authenticator auth;

  static UsersFile.User user(String name, Role role, String password) {
    return new UsersFile.User(name, role, PasswordHash.create(password.toCharArray(), PasswordHash.MIN_ITERATIONS));
  }

  @BeforeEach
  void setUp() throws Exception {
    file = dir.resolve("users.txt");
    UsersFile.put(file, user("ann", Role.ADMIN, "s3cret"));
    UsersFile.put(file, user("bob", Role.READ, "hunter2"));
    auth = new Authenticator(file, now::get, metrics);
  }

  @AfterEach
  void tearDown() {
    auth.close();
  }

  private Authenticator.Outcome login(String source, String user, String password) throws Exception {
    return auth.authenticate(source, user, password).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aGoodPasswordGivesTheUsersRole() throws Exception {
    assertEquals(Role.ADMIN, login("s1", "ann", "s3cret").role());
    assertEquals(Role.READ, login("s1", "bob", "hunter2").role());
    assertEquals(Role.READ, login("s1", "bob", "hunter2").role(), "again, from the remembered check");
    assertEquals(3, metrics.counter("ringkv.auth.logins").getCount());
  }

  @Test
  void anUnknownUserAndAWrongPasswordGetTheSameAnswer() throws Exception {
    Authenticator.Outcome wrong = login("s1", "ann", "nope");
    now.addAndGet(LoginThrottle.BACKOFF_MAX_MS);
    Authenticator.Outcome unknown = login("s1", "nobody", "nope");
    now.addAndGet(LoginThrottle.BACKOFF_MAX_MS);
    Authenticator.Outcome empty = login("s1", "ann", "");
    for (Authenticator.Outcome o : new Authenticator.Outcome[] {wrong, unknown, empty}) {
      assertFalse(o.ok());
      assertEquals("bad user name or password", o.refusal());
    }
    assertEquals(3, metrics.counter("ringkv.auth.failures").getCount());
  }

  @Test
  void bruteForceIsSlowedPerSourceWithoutCheckingPasswords() throws Exception {
    assertFalse(login("10.1.1.1", "ann", "guess1").ok());
    Authenticator.Outcome fast = login("10.1.1.1", "ann", "s3cret");
    assertFalse(fast.ok(), "even the right password is not checked during the wait");
    assertTrue(fast.refusal().startsWith("too many failed logins from 10.1.1.1; retry in 250 ms"), fast.refusal());
    assertEquals(1, metrics.counter("ringkv.auth.throttled").getCount());
    assertEquals(1, metrics.counter("ringkv.auth.failures").getCount(), "a throttled attempt costs no hash");
    assertEquals(Role.ADMIN, login("10.2.2.2", "ann", "s3cret").role(), "another source is not slowed");
    now.addAndGet(250);
    assertFalse(login("10.1.1.1", "ann", "guess2").ok());
    assertEquals(500, auth.throttle().waitMs("10.1.1.1"), "the second failure doubles the wait");
    now.addAndGet(500);
    assertEquals(Role.ADMIN, login("10.1.1.1", "ann", "s3cret").role());
    assertEquals(0, auth.throttle().failures("10.1.1.1"), "a success clears the source");
  }

  @Test
  void aChangedFileIsReadAgainAndARememberedPasswordForgotten() throws Exception {
    assertEquals(Role.READ, login("s", "bob", "hunter2").role());
    UsersFile.put(file, user("bob", Role.READWRITE, "new password"));
    Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5_000));
    now.addAndGet(Authenticator.RELOAD_CHECK_MS);
    assertFalse(login("s", "bob", "hunter2").ok(), "the old password no longer works");
    now.addAndGet(LoginThrottle.BACKOFF_MAX_MS);
    assertEquals(Role.READWRITE, login("s", "bob", "new password").role());
  }

  @Test
  void aBrokenFileKeepsThePreviousUsers() throws Exception {
    Files.writeString(file, "bob admin not-a-hash\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5_000));
    now.addAndGet(Authenticator.RELOAD_CHECK_MS);
    assertEquals(Role.READ, login("s", "bob", "hunter2").role());
    assertNull(login("s2", "bob", "x").role());
  }
}
