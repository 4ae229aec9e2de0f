package io.ringkv.antientropy;

import com.codahale.metrics.Counter;
import io.ringkv.gossip.Endpoint;
import io.ringkv.internode.AntiEntropyMessages;
import io.ringkv.internode.AntiEntropyMessages.GcCheck;
import io.ringkv.internode.AntiEntropyMessages.GcCheckReply;
import io.ringkv.protocol.Message;
import io.ringkv.ring.KeyHash;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Tombstone GC of one node (Riak's {@code delete_mode}, Cassandra's {@code gc_grace}; Scylla's repair-based
 * tombstone GC): every {@code gcIntervalMs} a sweep lists, on anti-entropy's executor, up to
 * {@code gcBatchKeysMax} tombstone-only objects older than {@code tombstoneGraceMs} in the ranges this node
 * replicates; asks every other replica of each (all must be alive) to confirm it holds the tombstone
 * ({@code GcCheck}, which also merges it there); and purges, on the executor, the tombstones every
 * replica confirmed within {@code requestTimeoutMs}, if the trees' layout did not change meanwhile. A
 * purge keeps the key's context in the purge log, so a late copy of what the delete had seen is refused.
 * One sweep at a time; its state lives on the core thread. Split out of {@link AntiEntropy}, which owns
 * the trees, the storage decorator and the executor this runs on; the serving side of {@code GcCheck}
 * stays there with the other requests it serves.
 */
final class TombstoneGc {
  private final AntiEntropy ae;
  private final String localId;
  private final AntiEntropyConfig config;
  private final AntiEntropyStorage storage;
  private final Predicate<String> isAlive;
  private final Clock clock;
  private final Scheduler core;
  private final BiConsumer<Endpoint, Message> sender;
  private final Counter purged;
  private boolean started;
  private Scheduler.Cancellable timer;
  private GcRound gcRound;

  TombstoneGc(AntiEntropy ae, String localId, AntiEntropyConfig config, AntiEntropyStorage storage,
      Predicate<String> isAlive, Clock clock, Scheduler core, BiConsumer<Endpoint, Message> sender, Counter purged) {
    this.ae = ae;
    this.localId = localId;
    this.config = config;
    this.storage = storage;
    this.isAlive = isAlive;
    this.clock = clock;
    this.core = core;
    this.sender = sender;
    this.purged = purged;
  }

  /** Starts the sweeps (core thread). */
  void start() {
    started = true;
    timer = core.schedule(config.gcIntervalMs(), this::tick);
  }

  /** Stops the sweeps (core thread); a sweep under way finishes. */
  void stop() {
    started = false;
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void tick() {
    if (!started) {
      return;
    }
    timer = core.schedule(config.gcIntervalMs(), this::tick);
    if (gcRound == null) {
      startRound();
    }
  }

  /** Starts a GC sweep now unless one is running (tests and admin use). */
  void startRound() {
    TreeLayout layout = storage.layout();
    if (gcRound != null || layout.ring().isEmpty()) {
      return;
    }
    GcRound round = new GcRound(layout);
    gcRound = round;
    long horizon = clock.nowMs() - config.tombstoneGraceMs();
    List<byte[]> keys = new ArrayList<>();
    List<VersionedObject> objects = new ArrayList<>();
    ae.scan((key, o) -> {
      if (purgeable(o, horizon) && layout.groupOfToken(KeyHash.token(key)) != null) {
        keys.add(key);
        objects.add(o);
      }
      return keys.size() < config.gcBatchKeysMax(); // a full batch ends the sweep; the next one goes on
    }, visited -> round.candidates(keys, objects), () -> gcRound = null);
  }

  /** A tombstone-only object (or a bare context) whose every tombstone is older than the grace. */
  static boolean purgeable(VersionedObject o, long horizonMs) {
    if (!o.isDeleted()) {
      return false;
    }
    for (Sibling s : o.siblings()) {
      if (s.writtenAtMs() > horizonMs) {
        return false;
      }
    }
    return true;
  }

  /** GcCheckReply from a peer (core thread). */
  void onReply(Endpoint from, GcCheckReply reply) {
    if (gcRound != null) {
      gcRound.onReply(from, reply);
    }
  }

  /** One GC sweep: candidates, confirmation by every other replica, purge. Core thread. */
  private final class GcRound {
    final TreeLayout layout;
    final Map<Long, String> outstanding = new HashMap<>();
    final Map<Key, Integer> confirmations = new HashMap<>();
    final Map<Key, Integer> needed = new HashMap<>();
    final Map<Key, VersionedObject> candidates = new HashMap<>();
    final Map<Long, List<Key>> asked = new HashMap<>();
    Scheduler.Cancellable timeout;

    GcRound(TreeLayout layout) {
      this.layout = layout;
    }

    void candidates(List<byte[]> keys, List<VersionedObject> objects) {
      Map<String, List<Key>> byPeer = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        Key k = new Key(keys.get(i));
        String group = layout.groupOfToken(KeyHash.token(k.bytes));
        if (group == null) {
          continue;
        }
        List<String> peers = new ArrayList<>(layout.replicasOf(group));
        peers.remove(localId);
        if (!peers.stream().allMatch(isAlive)) {
          continue; // every replica must confirm; a down one blocks the purge
        }
        candidates.put(k, objects.get(i));
        needed.put(k, peers.size());
        confirmations.put(k, 0);
        for (String p : peers) {
          byPeer.computeIfAbsent(p, x -> new ArrayList<>()).add(k);
        }
      }
      for (Map.Entry<String, List<Key>> e : byPeer.entrySet()) {
        Endpoint to = layout.ring().endpointOf(e.getKey()).orElse(null);
        if (to == null) {
          continue;
        }
        long id = ae.newRequestId();
        List<byte[]> ks = new ArrayList<>();
        List<VersionedObject> os = new ArrayList<>();
        for (Key k : e.getValue()) {
          ks.add(k.bytes);
          os.add(candidates.get(k));
        }
        outstanding.put(id, e.getKey());
        asked.put(id, e.getValue());
        sender.accept(to, new GcCheck(id, ks, os));
      }
      if (outstanding.isEmpty()) {
        finish();
        return;
      }
      timeout = core.schedule(config.requestTimeoutMs(), this::finish);
    }

    void onReply(Endpoint from, GcCheckReply reply) {
      List<Key> keys = asked.remove(reply.requestId());
      if (outstanding.remove(reply.requestId()) == null || keys == null) {
        return;
      }
      if (reply.status() == AntiEntropyMessages.OK && reply.holds().length == keys.size()) {
        for (int i = 0; i < keys.size(); i++) {
          if (reply.holds()[i] == 1) {
            confirmations.merge(keys.get(i), 1, Integer::sum);
          }
        }
      }
      if (outstanding.isEmpty()) {
        if (timeout != null) {
          timeout.cancel();
        }
        finish();
      }
    }

    void finish() {
      if (gcRound != this) {
        return;
      }
      List<Key> purge = new ArrayList<>();
      if (outstanding.isEmpty() && storage.layout() == layout) {
        for (Map.Entry<Key, Integer> e : confirmations.entrySet()) {
          if (e.getValue().equals(needed.get(e.getKey()))) {
            purge.add(e.getKey());
          }
        }
      }
      if (purge.isEmpty()) {
        gcRound = null;
        return;
      }
      ae.submit(() -> {
        long now = clock.nowMs();
        List<byte[]> keys = new ArrayList<>(purge.size());
        List<VersionedObject> expected = new ArrayList<>(purge.size());
        for (Key k : purge) {
          keys.add(k.bytes);
          expected.add(candidates.get(k));
        }
        int count = storage.purge(keys, expected, now);
        ae.compactPurgeLog();
        core.execute(() -> {
          purged.inc(count);
          gcRound = null;
        });
      }, () -> gcRound = null);
    }
  }
}
