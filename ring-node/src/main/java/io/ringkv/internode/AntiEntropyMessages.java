package io.ringkv.internode;

import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;

import com.esotericsoftware.kryo.Kryo;
import io.ringkv.storage.causality.VersionedObject;
import java.util.List;

/**
 * Anti-entropy on the wire (Kryo ids 80..89): the top-down comparison of two replicas' hash trees for one
 * replicated range, the listing of differing leaf buckets, the fetch and push of differing objects, and
 * the tombstone-GC confirmation. Replies carry a {@code status} ({@link #OK} or why the peer cannot
 * serve). Packed arrays are big-endian ints or longs; a key listing is a sequence of
 * {@code varint keyLength, key bytes, 8-byte digest}. Every reply is bounded by the requester's
 * {@code bytesMax} or the responder's batch limits.
 *
 * <pre>
 *   80 TreeRequest  81 TreeReply  82 KeysRequest  83 KeysReply  84 FetchRequest  85 FetchReply
 *   86 PushRequest  87 PushReply  88 GcCheck      89 GcCheckReply
 * </pre>
 */
public final class AntiEntropyMessages {
  public static final int FIRST_ID = 80;
  public static final int LAST_ID = 89;

  public static final int OK = 0;
  /** The peer's ring differs from the requester's (not yet converged): retry later. */
  public static final int RING_MISMATCH = 1;
  /** The peer's trees are being rebuilt. */
  public static final int NOT_READY = 2;
  /** The peer does not replicate that range. */
  public static final int UNKNOWN_RANGE = 3;
  /** The peer's anti-entropy work queue is full. */
  public static final int BUSY = 4;

  /** Every anti-entropy message type: what a node routes to its {@code AntiEntropy}. */
  public static final List<Class<? extends io.ringkv.protocol.Message>> TYPES = List.of(TreeRequest.class,
      TreeReply.class, KeysRequest.class, KeysReply.class, FetchRequest.class, FetchReply.class, PushRequest.class,
      PushReply.class, GcCheck.class, GcCheckReply.class);

  private AntiEntropyMessages() {}

  public static void register(Kryo kryo) {
    kryo.register(TreeRequest.class, 80);
    kryo.register(TreeReply.class, 81);
    kryo.register(KeysRequest.class, 82);
    kryo.register(KeysReply.class, 83);
    kryo.register(FetchRequest.class, 84);
    kryo.register(FetchReply.class, 85);
    kryo.register(PushRequest.class, 86);
    kryo.register(PushReply.class, 87);
    kryo.register(GcCheck.class, 88);
    kryo.register(GcCheckReply.class, 89);
  }

  /**
   * The hashes at {@code level} of the children of {@code parents} (packed ints, at {@code level - 1});
   * level 0 asks for the root.
   */
  public record TreeRequest(long requestId, String range, long ringFingerprint, int level, byte[] parents)
      implements Request {}

  /** @param hashes packed longs, 16 per parent (1 for the root) */
  public record TreeReply(long requestId, int status, byte[] hashes) implements Reply {}

  /** List the keys and digests of {@code leaves} (packed ints, ascending), at most about {@code bytesMax}. */
  public record KeysRequest(long requestId, String range, long ringFingerprint, byte[] leaves, int bytesMax)
      implements Request {}

  /** @param completeLeaves how many of the requested leaves (a prefix) {@code entries} lists completely */
  public record KeysReply(long requestId, int status, int completeLeaves, byte[] entries) implements Reply {}

  public record FetchRequest(long requestId, List<byte[]> keys) implements Request {}

  /** The objects of a prefix of the requested keys (null where absent), bounded in bytes. */
  public record FetchReply(long requestId, int status, List<byte[]> keys, List<VersionedObject> objects)
      implements Reply {}

  /** Merge these objects (the requester's, after it merged the responder's). */
  public record PushRequest(long requestId, List<byte[]> keys, List<VersionedObject> objects) implements Request {}

  /**
   * @param purgedKeys pushed keys the responder refused because it purged their tombstone
   * @param purgedContexts for each, the purged context with no siblings, for the requester to merge
   */
  public record PushReply(long requestId, int status, List<byte[]> purgedKeys, List<VersionedObject> purgedContexts)
      implements Reply {}

  /** Tombstone GC: do you hold these tombstone-only objects (merge them, then answer)? */
  public record GcCheck(long requestId, List<byte[]> keys, List<VersionedObject> tombstones) implements Request {}

  /** @param holds one byte per key: 1 when the responder's object subsumes the tombstone (or it purged it) */
  public record GcCheckReply(long requestId, int status, byte[] holds) implements Reply {}
}
