package io.ringkv.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
  @Test
  void verifiesOnlyThePasswordHashedAndSurvivesItsEncoding() {
    PasswordHash h = PasswordHash.create("pw".toCharArray(), 2_000);
    PasswordHash decoded = PasswordHash.decode(h.encode());
    assertEquals(h, decoded);
    assertTrue(decoded.matches("pw".toCharArray()));
    assertFalse(decoded.matches("pW".toCharArray()));
    assertTrue(h.encode().startsWith("pbkdf2-sha256$2000$"));
  }

  @Test
  void theSaltIsRandom() {
    assertNotEquals(PasswordHash.create("pw".toCharArray(), 1_000).encode(),
        PasswordHash.create("pw".toCharArray(), 1_000).encode());
  }

  @Test
  void weakOrAbsurdIterationCountsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> PasswordHash.create("pw".toCharArray(), 10));
    assertThrows(IllegalArgumentException.class, () -> PasswordHash.decode("pbkdf2-sha256$999999999$AA$AA"));
    assertThrows(IllegalArgumentException.class, () -> PasswordHash.decode("md5$1$AA$AA"));
  }
}
