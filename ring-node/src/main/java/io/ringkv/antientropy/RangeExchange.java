package io.ringkv.antientropy;

import io.ringkv.runtime.Throttle;
import io.ringkv.internode.AntiEntropyMessages.FetchReply;
import io.ringkv.internode.AntiEntropyMessages.FetchRequest;
import io.ringkv.internode.AntiEntropyMessages.KeysReply;
import io.ringkv.internode.AntiEntropyMessages.KeysRequest;
import io.ringkv.internode.AntiEntropyMessages.PushReply;
import io.ringkv.internode.AntiEntropyMessages.PushRequest;
import io.ringkv.internode.AntiEntropyMessages.TreeReply;
import io.ringkv.internode.AntiEntropyMessages.TreeRequest;
import io.ringkv.internode.AntiEntropyMessages;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.ring.KeyHash;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * One anti-entropy exchange of one replicated range with one peer replica, from the initiator's side:
 * a pure state machine (events in, a {@link Step} of effects out), like the coordinators, so it runs the
 * same under simulation and on Netty. The driver ({@link AntiEntropy}) sends the messages, does the
 * local storage work a step asks for, and feeds results and replies back.
 *
 * <ol>
 *   <li>Compare the roots; equal: done, one hash each way.
 *   <li>Walk down: ask for the children of the differing nodes only, level by level, to the leaves.
 *   <li>In rounds bounded by {@code listingBytesMax}: list the keys and digests of the differing leaves
 *       locally (a storage scan) and on the peer, compare them.
 *   <li>Fetch the peer's objects that differ or that this node lacks and merge them locally with the
 *       normal causal merge; then push this node's (merged) objects that the peer lacks or holds
 *       differently. Both replicas end with the merge of both.
 * </ol>
 * Traffic is charged to the node's byte and key {@link Throttle}s; a step waits until they allow more.
 *
 * <p>Reuse for streaming: {@link #forLeaves} skips the tree walk and syncs the given leaves (all of them
 * to stream a whole range to a new owner).
 */
final class RangeExchange {
  enum Outcome {
    IN_SYNC,
    REPAIRED,
    FAILED,
    CANCELLED
  }

  record Result(Outcome outcome, String reason, long keysCompared, long keysFetched, long keysPushed,
      long bytesSent, long bytesReceived, long startedAtMs, long endedAtMs) {}

  /** Local storage work the driver does, then reports with {@link #onLocalListing} or {@link #onLocalObjects}. */
  sealed interface Work permits ListLocal, MergeAndRead {}

  /** List keys and digests of {@code leaves} (a prefix of them, complete leaves, about {@code bytesMax}). */
  record ListLocal(String range, int[] leaves, int bytesMax) implements Work {}

  /** Merge {@code objects} into {@code mergeKeys} (guarded), then read {@code readKeys}. */
  record MergeAndRead(List<byte[]> mergeKeys, List<VersionedObject> objects, List<byte[]> readKeys) implements Work {}

  /** The effects of one event. */
  static final class Step {
    final List<Message> sends = new ArrayList<>(1);
    Work work;
    long wakeAtMs = -1;
    Result finished;
  }

  private enum Phase {
    TREE,
    LISTING,
    REPAIR,
    DONE
  }

  private final long id;
  private final String range;
  private final long fingerprint;
  private final HashTree tree;
  private final String peer;
  private final AntiEntropyConfig config;
  private final Throttle bytes;
  private final Throttle keys;
  private final LongSupplier requestIds;
  private final long startedAtMs;

  private Phase phase = Phase.TREE;
  private int level;
  private int[] diffLeaves;
  private int cursor;
  private Map<Key, Long> localListing;
  private int localComplete;
  private final ArrayDeque<byte[]> fetchQueue = new ArrayDeque<>();
  private final ArrayDeque<byte[]> pushQueue = new ArrayDeque<>();
  private final ArrayDeque<Object[]> readyToPush = new ArrayDeque<>();
  private long outstanding = -1;
  private long deadlineMs = -1;
  private boolean workPending;

  private long keysCompared;
  private long keysFetched;
  private long keysPushed;
  private long bytesSent;
  private long bytesReceived;

  private RangeExchange(long id, String range, long fingerprint, HashTree tree, String peer, AntiEntropyConfig config,
      Throttle bytes, Throttle keys, LongSupplier requestIds, long nowMs, int[] leaves) {
    this.id = id;
    this.range = range;
    this.fingerprint = fingerprint;
    this.tree = tree;
    this.peer = peer;
    this.config = config;
    this.bytes = bytes;
    this.keys = keys;
    this.requestIds = requestIds;
    this.startedAtMs = nowMs;
    if (leaves != null) {
      this.diffLeaves = leaves.clone();
      this.phase = Phase.LISTING;
    }
  }

  /** An exchange that starts by comparing roots. */
  static RangeExchange compare(long id, String range, long fingerprint, HashTree tree, String peer,
      AntiEntropyConfig config, Throttle bytes, Throttle keys, LongSupplier requestIds, long nowMs) {
    return new RangeExchange(id, range, fingerprint, tree, peer, config, bytes, keys, requestIds, nowMs, null);
  }

  /** An exchange of the given leaves without a tree walk (streaming a range: every leaf). */
  static RangeExchange forLeaves(long id, String range, long fingerprint, HashTree tree, String peer,
      AntiEntropyConfig config, Throttle bytes, Throttle keys, LongSupplier requestIds, long nowMs, int[] leaves) {
    return new RangeExchange(id, range, fingerprint, tree, peer, config, bytes, keys, requestIds, nowMs, leaves);
  }

  long id() {
    return id;
  }

  String range() {
    return range;
  }

  String peer() {
    return peer;
  }

  Step start(long nowMs) {
    Step step = new Step();
    if (phase == Phase.TREE) {
      level = 0;
      send(step, new TreeRequest(requestIds.getAsLong(), range, fingerprint, 0, new byte[0]), nowMs);
    } else {
      advance(step, nowMs);
    }
    return step;
  }

  boolean awaits(long requestId) {
    return outstanding == requestId;
  }

  Step onReply(Reply reply, long nowMs) {
    Step step = new Step();
    if (phase == Phase.DONE || reply.requestId() != outstanding) {
      return step;
    }
    outstanding = -1;
    deadlineMs = -1;
    bytesReceived += WireSize.of(reply);
    bytes.charge(WireSize.of(reply), nowMs);
    int status = statusOf(reply);
    if (status != AntiEntropyMessages.OK) {
      return finish(step, Outcome.FAILED, "peer " + peer + " answered " + statusName(status), nowMs);
    }
    if (reply instanceof TreeReply t) {
      onTree(step, Packed.longs(t.hashes()), nowMs);
    } else if (reply instanceof KeysReply k) {
      onPeerListing(step, k, nowMs);
    } else if (reply instanceof FetchReply f) {
      keysFetched += f.keys().size();
      keys.charge(f.keys().size(), nowMs);
      // keys beyond the reply's prefix go back to the front of the queue
      Set<Key> got = new HashSet<>();
      for (byte[] k : f.keys()) {
        got.add(new Key(k));
      }
      for (int i = requestedBatch.size() - 1; i >= 0; i--) {
        if (!got.contains(new Key(requestedBatch.get(i)))) {
          fetchQueue.addFirst(requestedBatch.get(i));
        }
      }
      requestedBatch = List.of();
      List<byte[]> mk = new ArrayList<>();
      List<VersionedObject> mo = new ArrayList<>();
      for (int i = 0; i < f.keys().size(); i++) {
        if (f.objects().get(i) != null) {
          mk.add(f.keys().get(i));
          mo.add(f.objects().get(i));
        }
      }
      if (!mk.isEmpty()) {
        work(step, new MergeAndRead(mk, mo, List.of()));
        return step;
      }
      advance(step, nowMs);
    } else if (reply instanceof PushReply p) {
      if (!p.purgedKeys().isEmpty()) {
        work(step, new MergeAndRead(p.purgedKeys(), p.purgedContexts(), List.of()));
        return step;
      }
      advance(step, nowMs);
    }
    return step;
  }

  private List<byte[]> requestedBatch = List.of();

  private void onTree(Step step, long[] remote, long nowMs) {
    if (level == 0) {
      if (remote.length != 1) {
        finish(step, Outcome.FAILED, "root reply of " + remote.length + " hashes", nowMs);
        return;
      }
      if (remote[0] == tree.root()) {
        finish(step, Outcome.IN_SYNC, null, nowMs);
        return;
      }
      level = 1;
      parents = new int[] {0};
      send(step, new TreeRequest(requestIds.getAsLong(), range, fingerprint, 1, Packed.ints(parents)), nowMs);
      return;
    }
    if (remote.length != parents.length * HashTree.FANOUT) {
      finish(step, Outcome.FAILED, "tree reply of " + remote.length + " hashes for " + parents.length + " parents",
          nowMs);
      return;
    }
    long[] local = tree.children(level, parents);
    List<Integer> differing = new ArrayList<>();
    for (int i = 0; i < remote.length; i++) {
      if (remote[i] != local[i]) {
        differing.add(parents[i / HashTree.FANOUT] * HashTree.FANOUT + i % HashTree.FANOUT);
      }
    }
    int[] next = differing.stream().mapToInt(Integer::intValue).toArray();
    if (next.length == 0) {
      finish(step, Outcome.IN_SYNC, null, nowMs); // the trees converged meanwhile
      return;
    }
    if (level == tree.levels()) {
      diffLeaves = next;
      cursor = 0;
      phase = Phase.LISTING;
      advance(step, nowMs);
      return;
    }
    level++;
    parents = next;
    send(step, new TreeRequest(requestIds.getAsLong(), range, fingerprint, level, Packed.ints(parents)), nowMs);
  }

  private int[] parents;

  /** The local listing of a prefix of the remaining differing leaves. */
  Step onLocalListing(int completeLeaves, List<Packed.Entry> entries, long nowMs) {
    Step step = new Step();
    if (phase != Phase.LISTING || !workPending) {
      return step;
    }
    workPending = false;
    localComplete = Math.max(1, Math.min(completeLeaves, diffLeaves.length - cursor));
    localListing = new HashMap<>();
    for (Packed.Entry e : entries) {
      localListing.put(new Key(e.key()), e.digest());
    }
    int[] ask = Arrays.copyOfRange(diffLeaves, cursor, cursor + localComplete);
    send(step, new KeysRequest(requestIds.getAsLong(), range, fingerprint, Packed.ints(ask), config.listingBytesMax()),
        nowMs);
    return step;
  }

  private void onPeerListing(Step step, KeysReply reply, long nowMs) {
    int complete = Math.max(0, Math.min(reply.completeLeaves(), localComplete));
    if (complete == 0) {
      finish(step, Outcome.FAILED, "peer listed no complete leaf", nowMs);
      return;
    }
    Set<Integer> leaves = new HashSet<>();
    for (int i = cursor; i < cursor + complete; i++) {
      leaves.add(diffLeaves[i]);
    }
    Map<Key, Long> remote = new HashMap<>();
    for (Packed.Entry e : Packed.listing(reply.entries())) {
      remote.put(new Key(e.key()), e.digest());
    }
    Set<Key> all = new HashSet<>(remote.keySet());
    for (Key k : localListing.keySet()) {
      if (leaves.contains(tree.leafOf(KeyHash.token(k.bytes)))) {
        all.add(k);
      }
    }
    for (Key k : all) {
      Long mine = localListing.get(k);
      Long theirs = remote.get(k);
      keysCompared++;
      if (mine != null && mine.equals(theirs)) {
        continue;
      }
      if (theirs != null) {
        fetchQueue.add(k.bytes);
      }
      if (mine != null) {
        pushQueue.add(k.bytes);
      }
    }
    localListing = null;
    cursor += complete;
    phase = Phase.REPAIR;
    advance(step, nowMs);
  }

  /**
   * The objects read after a {@link MergeAndRead} (null where absent), in {@code readKeys} order;
   * {@code converged}: merged keys whose local object now equals the peer's, so need no push.
   */
  Step onLocalObjects(List<byte[]> readKeys, List<VersionedObject> objects, List<byte[]> converged, long nowMs) {
    Step step = new Step();
    if (phase == Phase.DONE || !workPending) {
      return step;
    }
    workPending = false;
    if (!converged.isEmpty()) {
      Set<Key> done = new HashSet<>();
      for (byte[] k : converged) {
        done.add(new Key(k));
      }
      pushQueue.removeIf(k -> done.contains(new Key(k)));
    }
    for (int i = 0; i < readKeys.size(); i++) {
      if (objects.get(i) != null) {
        readyToPush.add(new Object[] {readKeys.get(i), objects.get(i)});
      }
    }
    advance(step, nowMs);
    return step;
  }

  Step onTimer(long nowMs) {
    Step step = new Step();
    if (phase == Phase.DONE) {
      return step;
    }
    if (outstanding >= 0) {
      if (nowMs >= deadlineMs) {
        return finish(step, Outcome.FAILED, "no reply from " + peer + " in " + config.requestTimeoutMs() + " ms", nowMs);
      }
      step.wakeAtMs = deadlineMs;
      return step;
    }
    advance(step, nowMs);
    return step;
  }

  Step cancel(String reason, long nowMs) {
    Step step = new Step();
    if (phase != Phase.DONE) {
      finish(step, Outcome.CANCELLED, reason, nowMs);
    }
    return step;
  }

  boolean done() {
    return phase == Phase.DONE;
  }

  /** Decides the next request or work once nothing is outstanding. */
  private void advance(Step step, long nowMs) {
    if (outstanding >= 0 || workPending || phase == Phase.DONE) {
      return;
    }
    if (phase == Phase.LISTING) {
      if (cursor >= diffLeaves.length) {
        finish(step, keysFetched + keysPushed > 0 ? Outcome.REPAIRED : Outcome.IN_SYNC, null, nowMs);
        return;
      }
      if (throttled(step, nowMs)) {
        return;
      }
      work(step, new ListLocal(range, Arrays.copyOfRange(diffLeaves, cursor, diffLeaves.length),
          config.listingBytesMax()));
      return;
    }
    // REPAIR: fetch first, so that pushes carry the merge of both sides
    if (!readyToPush.isEmpty()) {
      if (throttled(step, nowMs)) {
        return;
      }
      List<byte[]> ks = new ArrayList<>();
      List<VersionedObject> os = new ArrayList<>();
      long size = 0;
      while (!readyToPush.isEmpty() && ks.size() < config.batchKeysMax()) {
        Object[] e = readyToPush.peek();
        long s = WireSize.of((VersionedObject) e[1]) + ((byte[]) e[0]).length;
        if (!ks.isEmpty() && size + s > config.batchBytesMax()) {
          break;
        }
        readyToPush.poll();
        ks.add((byte[]) e[0]);
        os.add((VersionedObject) e[1]);
        size += s;
      }
      keysPushed += ks.size();
      keys.charge(ks.size(), nowMs);
      send(step, new PushRequest(requestIds.getAsLong(), ks, os), nowMs);
      return;
    }
    if (!fetchQueue.isEmpty()) {
      if (throttled(step, nowMs)) {
        return;
      }
      List<byte[]> batch = new ArrayList<>();
      while (!fetchQueue.isEmpty() && batch.size() < config.batchKeysMax()) {
        batch.add(fetchQueue.poll());
      }
      requestedBatch = batch;
      send(step, new FetchRequest(requestIds.getAsLong(), batch), nowMs);
      return;
    }
    if (!pushQueue.isEmpty()) {
      List<byte[]> batch = new ArrayList<>();
      while (!pushQueue.isEmpty() && batch.size() < config.batchKeysMax()) {
        batch.add(pushQueue.poll());
      }
      work(step, new MergeAndRead(List.of(), List.of(), batch));
      return;
    }
    phase = Phase.LISTING;
    advance(step, nowMs);
  }

  private boolean throttled(Step step, long nowMs) {
    long ready = Math.max(bytes.readyAtMs(), keys.readyAtMs());
    if (ready > nowMs) {
      step.wakeAtMs = ready;
      return true;
    }
    return false;
  }

  private void work(Step step, Work w) {
    workPending = true;
    step.work = w;
  }

  private void send(Step step, Message m, long nowMs) {
    outstanding = ((io.ringkv.protocol.Request) m).requestId();
    deadlineMs = nowMs + config.requestTimeoutMs();
    long size = WireSize.of(m);
    bytesSent += size;
    bytes.charge(size, nowMs);
    step.sends.add(m);
    step.wakeAtMs = deadlineMs;
  }

  private Step finish(Step step, Outcome outcome, String reason, long nowMs) {
    phase = Phase.DONE;
    outstanding = -1;
    step.sends.clear();
    step.work = null;
    step.wakeAtMs = -1;
    step.finished = new Result(outcome, reason, keysCompared, keysFetched, keysPushed, bytesSent, bytesReceived,
        startedAtMs, nowMs);
    return step;
  }

  private static int statusOf(Reply r) {
    if (r instanceof TreeReply t) {
      return t.status();
    } else if (r instanceof KeysReply k) {
      return k.status();
    } else if (r instanceof FetchReply f) {
      return f.status();
    } else if (r instanceof PushReply p) {
      return p.status();
    }
    return -1;
  }

  static String statusName(int status) {
    return switch (status) {
      case AntiEntropyMessages.OK -> "OK";
      case AntiEntropyMessages.RING_MISMATCH -> "RING_MISMATCH";
      case AntiEntropyMessages.NOT_READY -> "NOT_READY";
      case AntiEntropyMessages.UNKNOWN_RANGE -> "UNKNOWN_RANGE";
      case AntiEntropyMessages.BUSY -> "BUSY";
      default -> "status " + status;
    };
  }
}
