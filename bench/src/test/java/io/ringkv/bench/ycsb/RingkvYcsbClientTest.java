package io.ringkv.bench.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.protocol.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * The YCSB binding over a fake client ({@link FakeRingkvClient}) at its seam, one operation at a time:
 * which context each write carries, how the report's counters count, what YCSB is told.
 */
class RingkvYcsbClientTest {
  @TempDir
  Path dir;
  private final FakeRingkvClient fake = new FakeRingkvClient();
  private RingkvYcsbClient db;

  private RingkvYcsbClient binding(String... properties) throws Exception {
    Properties p = new Properties();
    p.setProperty("ringkv.statsfile", dir.resolve("stats").toString());
    for (int i = 0; i < properties.length; i += 2) {
      p.setProperty(properties[i], properties[i + 1]);
    }
    db = new RingkvYcsbClient(props -> List.of(fake));
    db.setProperties(p);
    db.init();
    return db;
  }

  @AfterEach
  void cleanup() throws Exception {
    if (db != null) {
      db.cleanup();
    }
  }

  /** The report line the last thread's cleanup writes, the one bench/bin/run-cluster-bench parses. */
  private String reportLine() throws Exception {
    db.cleanup();
    db = null;
    return Files.readString(dir.resolve("stats")).strip();
  }

  private static Map<String, ByteIterator> record(String v) {
    return new HashMap<>(Map.of("field0", new StringByteIterator(v)));
  }

  @Test
  void withContextsFromReadsOnlyAnUpdateCarriesTheReadsContextOnceThenWritesBlind() throws Exception {
    binding("ringkv.contextfrom", "read", "ringkv.contextscope", "thread");
    assertEquals(Status.OK, db.insert("usertable", "user1", record("a")));
    Map<String, ByteIterator> out = new HashMap<>();
    assertEquals(Status.OK, db.read("usertable", "user1", Set.of("field0"), out));
    assertEquals("a", out.get("field0").toString());
    assertEquals(Status.OK, db.update("usertable", "user1", record("b")));
    assertEquals(Status.OK, db.update("usertable", "user1", record("c")));
    assertEquals(List.of("put user1 ctx=-", "get user1", "put user1 ctx=v1", "put user1 ctx=-"), fake.calls,
        "the insert is blind, the first update reuses the read's context (v1), the second has none left");
    BindingStats s = RingkvYcsbClient.stats();
    assertEquals(1, s.updatesWithContext.get());
    assertEquals(1, s.updatesBlind.get());
    assertEquals(1, s.inserts.get());
    String line = reportLine();
    assertTrue(line.contains(" updatesWithContext=1 updatesBlind=1 ") && line.contains(" inserts=1 "), line);
  }

  @Test
  void aDeleteCarriesTheReadsContext() throws Exception {
    binding();
    db.insert("usertable", "user2", record("a"));
    db.read("usertable", "user2", null, new HashMap<>());
    assertEquals(Status.OK, db.delete("usertable", "user2"));
    assertEquals(Status.NOT_FOUND, db.read("usertable", "user2", null, new HashMap<>()));
    assertEquals(List.of("put user2 ctx=-", "get user2", "delete user2 ctx=v1", "get user2"), fake.calls);
    assertEquals(1, RingkvYcsbClient.stats().deletes.get());
    assertEquals(1, RingkvYcsbClient.stats().readsNotFound.get());
  }

  @Test
  void withContextFromReadWriteAnUpdateCarriesThePreviousWritesContext() throws Exception {
    binding("ringkv.contextfrom", "readwrite");
    db.insert("usertable", "user3", record("a"));
    db.update("usertable", "user3", record("b"));
    db.update("usertable", "user3", record("c"));
    assertEquals(List.of("put user3 ctx=-", "put user3 ctx=v1", "put user3 ctx=v2"), fake.calls);
    assertEquals(2, RingkvYcsbClient.stats().updatesWithContext.get());
    assertEquals(0, RingkvYcsbClient.stats().updatesBlind.get());
  }

  @Test
  void byDefaultThreadsShareTheFreshestContextOfAnyReadOrWrite() throws Exception {
    binding();
    RingkvYcsbClient second = new RingkvYcsbClient(props -> {
      throw new AssertionError("only the first instance connects");
    });
    second.setProperties(new Properties());
    second.init();
    try {
      db.insert("usertable", "user8", record("a"));
      second.update("usertable", "user8", record("b"));
      db.read("usertable", "user8", null, new HashMap<>());
      second.update("usertable", "user8", record("c"));
      db.update("usertable", "user8", record("d"));
    } finally {
      second.cleanup();
    }
    assertEquals(List.of("put user8 ctx=-", "put user8 ctx=v1", "get user8", "put user8 ctx=v2", "put user8 ctx=v3"),
        fake.calls, "each update carries the context the last answer to either thread returned");
    assertEquals(3, RingkvYcsbClient.stats().updatesWithContext.get());
    assertEquals(0, RingkvYcsbClient.stats().updatesBlind.get());
  }

  @Test
  void withThreadScopeAThreadDoesNotSeeAnotherThreadsContexts() throws Exception {
    binding("ringkv.contextscope", "thread");
    RingkvYcsbClient second = new RingkvYcsbClient(props -> {
      throw new AssertionError("only the first instance connects");
    });
    Properties p = new Properties();
    p.setProperty("ringkv.contextscope", "thread");
    second.setProperties(p);
    second.init();
    try {
      db.insert("usertable", "user9", record("a"));
      second.update("usertable", "user9", record("b"));
      db.update("usertable", "user9", record("c"));
    } finally {
      second.cleanup();
    }
    assertEquals(List.of("put user9 ctx=-", "put user9 ctx=-", "put user9 ctx=v1"), fake.calls,
        "the second thread has no context of its own: a blind write; the first still has its insert's");
    assertEquals(1, RingkvYcsbClient.stats().updatesBlind.get());
  }

  @Test
  void anUnknownContextScopeIsRefusedWithoutConnecting() {
    RingkvYcsbClient bad = new RingkvYcsbClient(props -> {
      throw new AssertionError("must not connect");
    });
    Properties p = new Properties();
    p.setProperty("ringkv.contextscope", "global");
    bad.setProperties(p);
    site.ycsb.DBException e = org.junit.jupiter.api.Assertions.assertThrows(site.ycsb.DBException.class, bad::init);
    assertTrue(e.getMessage().contains("process or thread"), e.getMessage());
  }

  @Test
  void blindUpdatesAreCountedAndReadFirstFetchesTheContextInstead() throws Exception {
    binding("ringkv.contextfrom", "read");
    db.update("usertable", "user4", record("a"));
    db.update("usertable", "user4", record("b"));
    assertEquals(List.of("put user4 ctx=-", "put user4 ctx=-"), fake.calls);
    assertEquals(2, RingkvYcsbClient.stats().updatesBlind.get());
    assertEquals(0, RingkvYcsbClient.stats().updatesWithContext.get());
    db.cleanup();

    fake.calls.clear();
    binding("ringkv.updatemode", "readfirst");
    db.update("usertable", "user4", record("c"));
    assertEquals(List.of("get user4", "put user4 ctx=v2"), fake.calls, "readfirst: one GET for the context");
    BindingStats s = RingkvYcsbClient.stats();
    assertEquals(1, s.updatesReadFirst.get());
    assertEquals(1, s.updatesWithContext.get());
    assertEquals(0, s.updatesBlind.get());
  }

  @Test
  void indeterminateAndTimeoutAreCountedAsTimeoutsUnavailableAndOverloadedAsUnavailable() throws Exception {
    binding();
    fake.failNext("put", ErrorCode.INDETERMINATE);
    assertEquals(Status.SERVICE_UNAVAILABLE, db.insert("usertable", "user5", record("a")));
    fake.failNext("get", ErrorCode.TIMEOUT);
    assertEquals(Status.SERVICE_UNAVAILABLE, db.read("usertable", "user5", null, new HashMap<>()));
    fake.failNext("put", ErrorCode.UNAVAILABLE);
    assertEquals(Status.SERVICE_UNAVAILABLE, db.update("usertable", "user5", record("b")));
    fake.failNext("delete", ErrorCode.OVERLOADED);
    assertEquals(Status.SERVICE_UNAVAILABLE, db.delete("usertable", "user5"));
    fake.failNext("put", ErrorCode.LIMIT_EXCEEDED);
    assertEquals(Status.BAD_REQUEST, db.insert("usertable", "user5", record("c")));
    fake.failNext("put", ErrorCode.INTERNAL);
    assertEquals(Status.ERROR, db.insert("usertable", "user5", record("d")));
    BindingStats s = RingkvYcsbClient.stats();
    assertEquals(2, s.timeouts.get(), "INDETERMINATE and TIMEOUT: the outcome is unknown");
    assertEquals(2, s.unavailable.get());
    assertEquals(6, s.errors.get());
    assertEquals(0, s.inserts.get(), "a failed insert is not counted as one");
    String line = reportLine();
    assertTrue(line.endsWith(" errors=6 timeouts=2 unavailable=2"), line);
  }

  @Test
  void scanIsReportedUnsupportedWithoutAskingTheCluster() throws Exception {
    binding();
    Vector<HashMap<String, ByteIterator>> result = new Vector<>();
    assertEquals(Status.NOT_IMPLEMENTED, db.scan("usertable", "user1", 10, null, result));
    assertEquals(List.of(), fake.calls);
    assertTrue(result.isEmpty());
    assertEquals(0, RingkvYcsbClient.stats().errors.get());
  }

  @Test
  void threadsShareTheClientsAndTheLastCleanupClosesThem() throws Exception {
    binding();
    RingkvYcsbClient second = new RingkvYcsbClient(props -> {
      throw new AssertionError("only the first instance connects");
    });
    second.setProperties(new Properties());
    second.init();
    second.insert("usertable", "user6", record("a"));
    second.cleanup();
    assertTrue(!fake.closed, "another thread still runs");
    assertEquals(List.of("put user6 ctx=-"), fake.calls);
    db.cleanup();
    db = null;
    assertTrue(fake.closed);
  }
}
