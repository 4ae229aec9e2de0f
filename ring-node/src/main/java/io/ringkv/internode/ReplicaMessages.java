package io.ringkv.internode;

import io.ringkv.protocol.ClientMessages;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;

import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import java.util.List;

/** Node-to-node replication messages between a coordinator and the replicas of a key. */
public final class ReplicaMessages {
  private ReplicaMessages() {}

  /** Read the replica's object for a key. */
  public record ReplicaRead(long requestId, byte[] key) implements Request {}

  /** @param object null when the replica holds nothing for the key */
  public record ReplicaReadReply(long requestId, VersionedObject object) implements Reply {}

  /**
   * Coordinate a client write on this replica: mint a dot and store. {@code value} null is a delete.
   *
   * @param hintFor when this node mints as a fallback for a down owner, that owner's id; else null
   * @param ownersWithoutStandIn down owners of the key that no fallback stands in for (a cluster with
   *     no spare node): the minter keeps a hint for each, so the write reaches them when they return
   * @param writeId the client's idempotency id (0: none); a retry is recognised, not applied twice
   * @param mintByMs the coordinator's clock time after which the replica must refuse to mint (0: no
   *     limit): the coordinator moves minting to another replica after it, and a write delayed in a
   *     queue or a paused process must not be applied as a second, unrelated version
   */
  public record ReplicaWrite(long requestId, byte[] key, VersionVector context, byte[] value, String hintFor,
      List<String> ownersWithoutStandIn, long writeId, long mintByMs) implements Request {
    public ReplicaWrite {
      ownersWithoutStandIn = ownersWithoutStandIn == null ? List.of() : ownersWithoutStandIn;
    }
  }

  /** @param created the key held no live value before; @param object what the replica stores now */
  public record ReplicaWriteReply(long requestId, boolean created, VersionedObject object) implements Reply {}

  /**
   * Merge an object into the replica's copy (replication after a write, read repair, handoff,
   * anti-entropy).
   *
   * @param hintFor when this node is a fallback standing in for a down owner, that owner's id; else null
   */
  public record ReplicaMerge(long requestId, byte[] key, VersionedObject object, String hintFor) implements Request {}

  public record ReplicaAck(long requestId) implements Reply {}

  /**
   * Bootstrap: a joining node asks an owner to stream it every object the joiner will own once it is UP.
   * Answered with a {@link StreamReply} when the stream is done.
   */
  public record StreamRequest(long requestId, String joinerId) implements Request {}

  /**
   * Asks a survivor of a member being removed (REMOVING) to hand every object it stores of that member's
   * ranges to the key's owners-to-be that are not owners yet; answered with a {@link StreamReply} when done.
   */
  public record RemovalStreamRequest(long requestId, String removedId) implements Request {}

  /** @param keys objects streamed; @param failed handovers that were not acknowledged */
  public record StreamReply(long requestId, long keys, long failed) implements Reply {}

  /** Lists the ring tokens of the keys this node stores (for VERIFY), at most {@code max}. */
  public record KeyTokensRequest(long requestId, int max) implements Request {}

  /**
   * @param tokens the tokens, sorted, 8 bytes each (big-endian)
   * @param truncated the node holds more keys than {@code max}
   */
  public record KeyTokensReply(long requestId, byte[] tokens, boolean truncated) implements Reply {}
  /**
   * KEYS: the first {@code limit} keys this node stores after {@code after} (unsigned byte order;
   * objects with at least one sibling, tombstones included: a tombstone's key still exists for a reader
   * of the next page until it is purged).
   */
  public record NodeKeysRequest(long requestId, byte[] after, int limit) implements Request {}

  /** @param more the node holds keys after the last one listed */
  public record NodeKeysReply(long requestId, List<byte[]> keys, boolean more) implements Reply {}

  /** The dashboard asks a node for its figures. */
  public record NodeStatsRequest(long requestId) implements Request {}

  public record NodeStatsReply(long requestId, ClientMessages.NodeStats stats) implements Reply {}
}
