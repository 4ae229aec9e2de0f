package io.ringkv.coordinator;

import io.ringkv.ring.Replica;
import io.ringkv.ring.WritePlan;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.internode.ReplicaMessages.ReplicaWriteReply;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Coordinates a PUT or DELETE (Dynamo section 4.5, Riak's put FSM).
 *
 * <ol>
 *   <li><b>Mint.</b> The first target (the node itself when it is a replica) applies the write to its
 *       object and mints the new dot ({@code ReplicaWrite}). If it refuses for a reason another replica
 *       may not have (full store, overload) or does not answer within {@code mintTimeoutMs}, the next
 *       target mints instead, at most once per target. A refusal that every replica would repeat (a
 *       limit) fails the request.
 *   <li><b>Replicate.</b> The minted object goes to every other target as a {@code ReplicaMerge}; a
 *       fallback's merge carries the owner it stands in for, so it keeps a hint.
 *   <li><b>Acknowledge.</b> After {@code w} replicas stored the write the client gets the reply, with
 *       the number that acknowledged so far (never more). Only the key's owners (and pending owners)
 *       count toward {@code w}; a fallback stores the write and keeps a hint, but its acknowledgement
 *       does not count unless the node runs with a sloppy quorum (Cassandra keeps hints out of its
 *       consistency levels). So any {@code r} owners a later read asks meet at least one owner that
 *       stored the write when {@code r + w > n}, whatever the liveness views of the writer and the
 *       reader, a paused owner's included. When fewer than {@code w} owners are reachable the write
 *       is refused with UNAVAILABLE before anything is sent. If the deadline passes first, or so many
 *       failed that {@code w} is out of reach, the client gets "k of w required replicas acknowledged":
 *       with INDETERMINATE when a replica may have stored the write (it was minted, or a mint request
 *       went unanswered), since it may then show up in later reads; with UNAVAILABLE only when no replica
 *       stored it (none reachable, or every minter refused).
 * </ol>
 *
 * A mint that timed out may still have been applied, so a retry on the next target can leave two
 * copies of one write (the same write id, two dots); readers show it once, and a later write or delete
 * that replaces either copy replaces both (the object remembers the replaced write id, see
 * {@code VersionedObject}), so the other copy cannot bring the value back.
 */
public final class PutCoordinator implements Coordinator {
  private final long internalId;
  private final long clientRequestId;
  private final byte[] key;
  private final byte[] value;
  private final VersionVector context;
  private final List<Replica> targets;
  private final int w;
  private final long deadlineMs;
  private final long mintTimeoutMs;
  private final Function<VersionVector, byte[]> contextEncoder;
  private List<String> ownersWithoutStandIn = List.of();
  private long writeId;
  private boolean sloppyQuorum;

  private int minter = -1;
  private long mintDeadlineMs;
  private final Set<Endpoint> triedMinters = new HashSet<>();
  private VersionedObject minted;
  private boolean created;
  private final Set<Endpoint> acked = new HashSet<>();
  private final Set<Endpoint> failed = new HashSet<>();
  private String lastError;
  /** Mint requests sent and not refused: each may have been applied, even when never answered. */
  private int mintsMaybeApplied;
  private boolean replied;
  private boolean finished;

  /**
   * @param value the value, or null for a DELETE
   * @param targets the key's replicas, alive primaries first then fallbacks; never empty of duplicates
   * @param contextEncoder turns the causal context into the opaque bytes the client gets back
   */
  public PutCoordinator(long internalId, long clientRequestId, byte[] key, byte[] value, VersionVector context,
      List<Replica> targets, int w, long deadlineMs, long mintTimeoutMs,
      Function<VersionVector, byte[]> contextEncoder) {
    this.internalId = internalId;
    this.clientRequestId = clientRequestId;
    this.key = key;
    this.value = value;
    this.context = context;
    this.targets = List.copyOf(targets);
    this.w = w;
    this.deadlineMs = deadlineMs;
    this.mintTimeoutMs = mintTimeoutMs;
    this.contextEncoder = contextEncoder;
  }

  /** The client's idempotency id, passed to the minter. */
  public PutCoordinator withWriteId(long id) {
    this.writeId = id;
    return this;
  }

  /** Down owners no target stands in for; the minter keeps hints for them. */
  public PutCoordinator withOwnersWithoutStandIn(List<String> owners) {
    this.ownersWithoutStandIn = List.copyOf(owners);
    return this;
  }

  /**
   * Dynamo's sloppy quorum: a fallback's acknowledgement counts toward {@code w}. Then a write
   * acknowledged by stand-ins can be hidden, after a heal, by a read quorum of the owners that missed
   * it, until the hints arrive (docs/ARCHITECTURE.md, "Reads after a heal").
   */
  public PutCoordinator withSloppyQuorum(boolean sloppy) {
    this.sloppyQuorum = sloppy;
    return this;
  }

  @Override
  public long internalId() {
    return internalId;
  }

  /** Acknowledgements that count toward {@code w}. */
  private int countedAcks() {
    return Quorums.counted(acked, targets, sloppyQuorum);
  }

  /** Targets that count toward {@code w} and have neither acknowledged nor failed. */
  private int countedOutstanding() {
    return Quorums.outstanding(targets, acked, failed, sloppyQuorum);
  }

  public boolean isDelete() {
    return value == null;
  }

  @Override
  public Step start(long nowMs) {
    Step step = new Step();
    if (targets.isEmpty()) {
      fail(step, ErrorCode.UNAVAILABLE, "0 of " + w + " required replicas acknowledged (no replica is reachable)");
      return step;
    }
    int owners = WritePlan.countable(targets, sloppyQuorum);
    if (owners < w) {
      // refused before anything is stored: a stand-in's copy would not count, and could show up later
      fail(step, ErrorCode.UNAVAILABLE, "0 of " + w + " required replicas acknowledged (only " + owners
          + " of the key's owners " + (owners == 1 ? "is" : "are") + " reachable; stand-ins do not count toward W)");
      return step;
    }
    mintAt(0, nowMs, step);
    return step;
  }

  private void mintAt(int index, long nowMs, Step step) {
    minter = index;
    Replica t = targets.get(index);
    triedMinters.add(t.endpoint());
    mintsMaybeApplied++;
    // give up on a slow minter early only when another target could mint instead; the minter refuses to
    // mint after mintBy, half a mint timeout before the coordinator moves on, so a write held up in a
    // queue or a paused process cannot be minted twice (the margin absorbs clock skew)
    boolean canMoveOn = index + 1 < targets.size();
    mintDeadlineMs = canMoveOn ? Math.min(deadlineMs, nowMs + mintTimeoutMs) : deadlineMs;
    long mintBy = canMoveOn ? Math.min(deadlineMs, nowMs + mintTimeoutMs / 2) : deadlineMs;
    step.sends.add(new Step.Send(t.endpoint(), new ReplicaWrite(internalId, key, context, value, t.hintFor(),
        ownersWithoutStandIn, writeId, mintBy)));
    step.wakeAtMs = mintDeadlineMs;
  }

  /** Moves minting to the next untried target; false when none is left. */
  private boolean nextMinter(long nowMs, Step step) {
    for (int i = minter + 1; i < targets.size(); i++) {
      if (!triedMinters.contains(targets.get(i).endpoint())) {
        mintAt(i, nowMs, step);
        return true;
      }
    }
    return false;
  }

  @Override
  public Step onReply(Endpoint from, Reply reply, long nowMs) {
    Step step = new Step();
    if (finished) {
      step.finished = true;
      return step;
    }
    if (minted == null) {
      onMintReply(from, reply, nowMs, step);
    } else {
      onReplicaReply(from, reply, step);
    }
    if (!step.finished && step.wakeAtMs < 0) {
      step.wakeAtMs = minted == null ? mintDeadlineMs : deadlineMs;
    }
    return step;
  }

  private void onMintReply(Endpoint from, Reply reply, long nowMs, Step step) {
    if (!from.equals(targets.get(minter).endpoint())) {
      return; // a late answer from a minter we gave up on; the merge from the new minter covers it
    }
    if (reply instanceof ReplicaWriteReply r) {
      minted = r.object();
      created = r.created();
      acked.add(from);
      for (Replica t : targets) {
        if (!t.endpoint().equals(from)) {
          step.sends.add(new Step.Send(t.endpoint(), new ReplicaMerge(internalId, key, minted, t.hintFor())));
        }
      }
      checkDone(step);
    } else if (reply instanceof ErrorReply e) {
      lastError = e.message();
      failed.add(from);
      mintsMaybeApplied--; // a refusal: this minter stored nothing
      if (e.code() == ErrorCode.LIMIT_EXCEEDED || e.code() == ErrorCode.BAD_REQUEST) {
        fail(step, e.code(), e.message());
      } else if (!nextMinter(nowMs, step)) {
        fail(step, e.code(), e.message());
      }
    }
  }

  private void onReplicaReply(Endpoint from, Reply reply, Step step) {
    if (Replica.at(targets, from) == null || acked.contains(from) || failed.contains(from)) {
      return;
    }
    if (reply instanceof ReplicaAck) {
      acked.add(from);
    } else if (reply instanceof ErrorReply e) {
      failed.add(from);
      lastError = e.message();
    }
    checkDone(step);
  }

  private void checkDone(Step step) {
    int counted = countedAcks();
    if (!replied && counted >= w) {
      replied = true;
      step.reply = isDelete()
          ? new DeleteReply(clientRequestId, !created, counted)
          : new PutReply(clientRequestId, created, counted, contextEncoder.apply(minted.context()));
    }
    int outstanding = targets.size() - acked.size() - failed.size();
    if (!replied && counted + countedOutstanding() < w) {
      fail(step, ErrorCode.UNAVAILABLE, shortfall());
    }
    if (outstanding == 0) {
      hintMissing(step);
      finished = true;
      step.finished = true;
    }
  }

  /**
   * Once the write is over, asks the minter to keep a hint for every replica that did not
   * acknowledge it (it may be down without the failure detector knowing yet), as Cassandra's
   * coordinator writes a hint on a replica's timeout. A hint for a replica that did store the write
   * costs one idempotent merge on delivery.
   */
  private void hintMissing(Step step) {
    if (minted == null) {
      return;
    }
    Replica minterTarget = targets.get(minter);
    for (Replica t : targets) {
      if (!acked.contains(t.endpoint()) && !t.endpoint().equals(minterTarget.endpoint())) {
        String owner = t.hintFor() != null ? t.hintFor() : t.nodeId();
        if (!owner.equals(minterTarget.nodeId())) {
          step.sends.add(new Step.Send(minterTarget.endpoint(), new ReplicaMerge(internalId, key, minted, owner)));
        }
      }
    }
  }

  private String shortfall() {
    String m = countedAcks() + " of " + w + " required replicas acknowledged";
    return lastError == null ? m : m + " (last error: " + lastError + ")";
  }

  @Override
  public Step onTimer(long nowMs) {
    Step step = new Step();
    if (finished) {
      step.finished = true;
      return step;
    }
    if (nowMs >= deadlineMs) {
      if (!replied) {
        fail(step, ErrorCode.UNAVAILABLE, shortfall());
      } else {
        hintMissing(step);
      }
      finished = true;
      step.finished = true;
      return step;
    }
    if (minted == null && nowMs >= mintDeadlineMs) {
      failed.add(targets.get(minter).endpoint());
      lastError = targets.get(minter).nodeId() + " did not answer in " + mintTimeoutMs + " ms";
      if (!nextMinter(nowMs, step)) {
        fail(step, ErrorCode.UNAVAILABLE, shortfall());
        return step;
      }
      return step;
    }
    step.wakeAtMs = minted == null ? mintDeadlineMs : deadlineMs;
    return step;
  }

  private void fail(Step step, ErrorCode code, String message) {
    if (!replied) {
      replied = true;
      boolean maybeStored = minted != null || mintsMaybeApplied > 0;
      step.reply = maybeStored && code != ErrorCode.LIMIT_EXCEEDED && code != ErrorCode.BAD_REQUEST
          ? new ErrorReply(clientRequestId, ErrorCode.INDETERMINATE, message
              + "; the write may be stored on " + (minted != null ? "those replicas" : "a replica")
              + " and show up in later reads")
          : new ErrorReply(clientRequestId, code, message);
    }
    if (!finished) {
      hintMissing(step); // a failed write may still be on the minter: let it reach the others too
    }
    finished = true;
    step.finished = true;
  }
}
