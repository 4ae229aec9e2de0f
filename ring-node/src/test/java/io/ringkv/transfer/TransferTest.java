package io.ringkv.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.gossip.Endpoint;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.transfer.Transfer.Abandon;
import io.ringkv.transfer.Transfer.Effect;
import io.ringkv.transfer.Transfer.Finished;
import io.ringkv.transfer.Transfer.Handed;
import io.ringkv.transfer.Transfer.Item;
import io.ringkv.transfer.Transfer.Load;
import io.ringkv.transfer.Transfer.Loaded;
import io.ringkv.transfer.Transfer.Send;
import io.ringkv.transfer.Transfer.Step;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The transfer state machine event by event, with explicit times (no clock, no threads). */
class TransferTest {
  static final Endpoint A = new Endpoint("10.0.0.1", 7001);
  static final Endpoint B = new Endpoint("10.0.0.2", 7001);
  /** Generous rate: pacing never gets in the way unless a test wants it. */
  static final TransferConfig FAST = new TransferConfig(2, 1L << 40, 1_000, 2);

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static VersionedObject value(String v) {
    return VersionedObject.EMPTY.write(VersionVector.EMPTY, b(v), "n1", 0);
  }

  static <T extends Effect> List<T> of(Step step, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Effect e : step.effects()) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  static List<Loaded> loadAll(Load load) {
    List<Loaded> loaded = new ArrayList<>();
    for (byte[] k : load.keys()) {
      loaded.add(new Loaded(k, value(new String(k, StandardCharsets.UTF_8) + "-v")));
    }
    return loaded;
  }

  @Test
  void loadsInBatchesSendsEachKeyToEachTargetWithinTheInFlightBoundAndFinishes() {
    Transfer t = new Transfer(List.of(new Item(b("k1"), List.of(A, B)), new Item(b("k2"), List.of(A)),
        new Item(b("k3"), List.of(B))), FAST);
    Step s = t.start(0);
    Load first = of(s, Load.class).get(0);
    assertEquals(2, first.keys().size(), "loadBatchKeys = 2");
    assertTrue(of(s, Send.class).isEmpty(), "nothing is sent before it is loaded");

    s = t.onLoaded(loadAll(first), 1);
    List<Send> sends = of(s, Send.class);
    assertEquals(2, sends.size(), "three copies to send, at most two in flight");
    assertTrue(of(s, Load.class).isEmpty(), "the next batch waits until this one's sends are out");
    assertEquals(1_001, s.wakeAtMs(), "wake at the first ack deadline");

    s = t.onAck(sends.get(0).seq(), true, 2); // k1 -> A
    List<Send> third = of(s, Send.class);
    assertEquals(1, third.size());
    assertEquals(1, of(s, Load.class).size(), "the batch's sends are all out: load the next");
    assertTrue(of(s, Handed.class).isEmpty(), "k1 still waits for B");

    s = t.onAck(sends.get(1).seq(), true, 3); // k1 -> B
    assertEquals(List.of("k1"), of(s, Handed.class).stream().map(h -> new String(h.key(), StandardCharsets.UTF_8)).toList());
    Load second = (Load) t.onTick(3).effects().stream().filter(Load.class::isInstance).findFirst().orElse(null);
    assertEquals(null, second, "one load outstanding at a time");

    s = t.onAck(third.get(0).seq(), true, 4); // k2 -> A
    assertEquals(1, of(s, Handed.class).size());
    assertFalse(t.isFinished(), "k3 is not loaded yet");
  }

  @Test
  void aFullRunEndsWithEveryCopyAcknowledged() {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      items.add(new Item(b("k" + i), List.of(A, B)));
    }
    Transfer t = new Transfer(items, FAST);
    List<byte[]> handed = new ArrayList<>();
    Finished finished = drive(t, handed, seq -> true);
    assertEquals(new Finished(7, 14, 14, 0, finished.bytes()), finished);
    assertEquals(7, handed.size());
    assertEquals(7, t.keysDone());
  }

  @Test
  void goneKeysAreSkippedAndCountAsDone() {
    Transfer t = new Transfer(List.of(new Item(b("gone"), List.of(A)), new Item(b("empty"), List.of(A))), FAST);
    Load load = of(t.start(0), Load.class).get(0);
    Step s = t.onLoaded(List.of(new Loaded(b("gone"), null), new Loaded(b("empty"), VersionedObject.EMPTY)), 1);
    assertEquals(List.of(new Finished(2, 0, 0, 0, 0)), of(s, Finished.class));
    assertEquals(2, load.keys().size());
  }

  @Test
  void anUnansweredMergeTimesOutIsAbandonedAndFailsTheTransferButNotTheOthers() {
    Transfer t = new Transfer(List.of(new Item(b("k1"), List.of(A)), new Item(b("k2"), List.of(A))), FAST);
    Step s = t.onLoaded(loadAll(of(t.start(0), Load.class).get(0)), 10);
    List<Send> sends = of(s, Send.class);
    s = t.onAck(sends.get(1).seq(), true, 20);
    assertEquals(1, of(s, Handed.class).size());
    s = t.onTick(1_009);
    assertTrue(s.effects().isEmpty(), "not yet at the deadline");
    s = t.onTick(1_010);
    assertEquals(List.of(new Abandon(sends.get(0).seq())), of(s, Abandon.class));
    assertTrue(of(s, Handed.class).isEmpty(), "a key with a failed target is not handed");
    Finished f = of(s, Finished.class).get(0);
    assertEquals(1, f.failed());
    assertEquals(1, f.acked());
    // a late answer changes nothing
    assertTrue(t.onAck(sends.get(0).seq(), true, 2_000).effects().isEmpty());
  }

  @Test
  void aRefusedMergeIsAFailureAtOnce() {
    Transfer t = new Transfer(List.of(new Item(b("k1"), List.of(A, B))), FAST);
    Step s = t.onLoaded(loadAll(of(t.start(0), Load.class).get(0)), 0);
    List<Send> sends = of(s, Send.class);
    t.onAck(sends.get(0).seq(), false, 1);
    s = t.onAck(sends.get(1).seq(), true, 2);
    assertTrue(of(s, Handed.class).isEmpty());
    assertEquals(1, of(s, Finished.class).get(0).failed());
  }

  @Test
  void theByteRateSpacesTheSends() {
    // 1000 bytes a second; each copy is about 2 + 4 bytes: 6 ms a copy
    TransferConfig slow = new TransferConfig(100, 1_000, 60_000, 100);
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add(new Item(b("k" + i), List.of(A)));
    }
    Transfer t = new Transfer(items, slow);
    Step s = t.onLoaded(loadAll(of(t.start(0), Load.class).get(0)), 0);
    // the bucket starts with up to a second of burst: everything fits at once
    assertEquals(3, of(s, Send.class).size());

    TransferConfig slower = new TransferConfig(100, 10, 60_000, 100);
    Transfer u = new Transfer(items, slower);
    s = u.onLoaded(loadAll(of(u.start(0), Load.class).get(0)), 5_000);
    int sent = of(s, Send.class).size();
    assertTrue(sent < 3, "10 bytes a second: the burst does not cover three copies, sent " + sent);
    assertEquals(sent, u.keysDone(), "a key is done when its copies are out, not when it is loaded");
    assertTrue(s.wakeAtMs() > 5_000, "wakes when the rate allows the next copy");
    long wake = s.wakeAtMs();
    assertTrue(u.onTick(wake - 1).effects().stream().noneMatch(Send.class::isInstance));
    assertEquals(1, of(u.onTick(wake), Send.class).size());
  }

  @Test
  void aKeyNamedTwiceIsSentOnce() {
    Transfer t = new Transfer(List.of(new Item(b("k"), List.of(A)), new Item(b("k"), List.of(B))), FAST);
    Load load = of(t.start(0), Load.class).get(0);
    assertEquals(1, load.keys().size());
    Step s = t.onLoaded(loadAll(load), 0);
    assertEquals(List.of(A), of(s, Send.class).stream().map(Send::to).toList());
  }

  @Test
  void anEmptyPlanFinishesAtOnceAndStartIsCalledOnce() {
    Transfer t = new Transfer(List.of(), FAST);
    assertEquals(List.of(new Finished(0, 0, 0, 0, 0)), of(t.start(0), Finished.class));
    assertThrows(IllegalStateException.class, () -> t.start(1));
    assertThrows(IllegalArgumentException.class, () -> new TransferConfig(0, 1, 1, 1));
  }

  /** Answers every load and send at once (acks per {@code ok}) until the transfer finishes. */
  static Finished drive(Transfer t, List<byte[]> handed, java.util.function.LongPredicate ok) {
    java.util.ArrayDeque<Effect> queue = new java.util.ArrayDeque<>(t.start(0).effects());
    long now = 0;
    while (!queue.isEmpty()) {
      Effect e = queue.poll();
      now++;
      if (e instanceof Load l) {
        queue.addAll(t.onLoaded(loadAll(l), now).effects());
      } else if (e instanceof Send s) {
        queue.addAll(t.onAck(s.seq(), ok.test(s.seq()), now).effects());
      } else if (e instanceof Handed h) {
        handed.add(h.key());
      } else if (e instanceof Finished f) {
        return f;
      }
    }
    throw new AssertionError("the transfer never finished");
  }
}
