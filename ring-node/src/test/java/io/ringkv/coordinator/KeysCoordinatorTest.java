package io.ringkv.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.KeysReply;
import io.ringkv.internode.ReplicaMessages.NodeKeysReply;
import io.ringkv.internode.ReplicaMessages.NodeKeysRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * KEYS as a covering walk, event by event: each node lists its first {@code limit} keys after the
 * cursor; the page is the union's first {@code limit}; paging on from its last key lists every key once.
 */
class KeysCoordinatorTest {
  static final Endpoint A = new Endpoint("10.0.0.1", 7001);
  static final Endpoint B = new Endpoint("10.0.0.2", 7001);
  static final Endpoint C = new Endpoint("10.0.0.3", 7001);

  static byte[] k(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** What a node answers: its first {@code limit} keys after the cursor, as RingNode.localKeys does. */
  static NodeKeysReply answer(long id, List<String> stored, byte[] after, int limit) {
    TreeSet<String> sorted = new TreeSet<>(stored);
    List<byte[]> out = new ArrayList<>();
    boolean more = false;
    for (String s : sorted) {
      if (Arrays.compareUnsigned(k(s), after) <= 0) {
        continue;
      }
      if (out.size() == limit) {
        more = true;
        break;
      }
      out.add(k(s));
    }
    return new NodeKeysReply(id, out, more);
  }

  /** One page from nodes A and B holding these keys (C, when asked, never answers). */
  static KeysReply page(Map<Endpoint, List<String>> stores, List<Endpoint> asked, String after, int limit) {
    List<KeysCoordinator.Member> members = new ArrayList<>();
    for (Endpoint e : asked) {
      members.add(new KeysCoordinator.Member(e == A ? "a" : e == B ? "b" : "c", e));
    }
    byte[] cursor = after == null ? new byte[0] : k(after);
    KeysCoordinator c = new KeysCoordinator(7, 99, members, List.of("d"), cursor, limit, 1_000);
    Step step = c.start(0);
    assertEquals(asked.size(), step.sends().size());
    Step last = step;
    for (Step.Send s : step.sends()) {
      NodeKeysRequest r = (NodeKeysRequest) s.message();
      assertEquals(limit, r.limit());
      if (stores.containsKey(s.to())) {
        last = c.onReply(s.to(), answer(r.requestId(), stores.get(s.to()), r.after(), r.limit()), 10);
      }
    }
    if (last.reply() == null) {
      assertNull(c.onTimer(999).reply(), "not before the deadline");
      last = c.onTimer(1_000);
    }
    assertTrue(last.finished());
    return (KeysReply) last.reply();
  }

  static List<String> strings(KeysReply r) {
    return r.keys().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void pagesMergeTheNodesListsAndPagingOnListsEveryKeyOnce() {
    Map<Endpoint, List<String>> stores = Map.of(A, List.of("a", "b", "c", "d"), B, List.of("b", "e"));
    KeysReply one = page(stores, List.of(A, B), null, 2);
    assertEquals(List.of("a", "b"), strings(one));
    assertTrue(one.more());
    assertEquals(99, one.requestId());
    KeysReply two = page(stores, List.of(A, B), "b", 2);
    assertEquals(List.of("c", "d"), strings(two), "e is after d even though B listed it first");
    assertTrue(two.more());
    KeysReply three = page(stores, List.of(A, B), "d", 2);
    assertEquals(List.of("e"), strings(three));
    assertFalse(three.more());
    assertEquals(List.of("d"), three.unanswered(), "the down node not asked is named");
  }

  @Test
  void aNodeThatDoesNotAnswerIsNamedAndTheOthersKeysStillCome() {
    Map<Endpoint, List<String>> stores = Map.of(A, List.of("x", "y"), B, List.of("y", "z"));
    KeysReply r = page(stores, List.of(A, B, C), null, 10);
    assertEquals(List.of("x", "y", "z"), strings(r));
    assertEquals(List.of("d", "c"), r.unanswered());
    assertFalse(r.more());
  }
}
