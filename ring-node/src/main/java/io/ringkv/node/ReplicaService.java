package io.ringkv.node;

import com.codahale.metrics.Timer;
import io.ringkv.internode.ReplicaMessages.KeyTokensReply;
import io.ringkv.internode.ReplicaMessages.KeyTokensRequest;
import io.ringkv.internode.ReplicaMessages.NodeKeysReply;
import io.ringkv.internode.ReplicaMessages.NodeKeysRequest;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.internode.ReplicaMessages.ReplicaWriteReply;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.ring.KeyHash;
import io.ringkv.runtime.Clock;
import io.ringkv.storage.LimitExceededException;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StoreFullException;
import io.ringkv.storage.WriteResult;
import io.ringkv.storage.causality.VersionedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of replication, one of {@link RingNode}'s roles: serves the replica requests other
 * coordinators (and this node's own) send (read, write or mint, merge, VERIFY's key tokens, a KEYS page)
 * against local storage, and tells its listeners (hinted handoff) what it stored. No state of its own
 * but the listeners; thread-safe: it runs on the storage executor, or on the core thread for this node's
 * own read or mint.
 */
public final class ReplicaService {
  private static final Logger log = LoggerFactory.getLogger(ReplicaService.class);
  /** Keys one VERIFY reads per node (8 bytes each on the wire: 16 MiB at the bound). */
  static final int VERIFY_TOKENS_PER_NODE_MAX = 2_000_000;
  /** Most keys per KEYS page: 10,000 keys of at most 1 KiB stay far below the frame bound. */
  static final int KEYS_PAGE_MAX = 10_000;

  /** Told of every write and merge this node stored. */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called after a write or merge stored {@code stored} for {@code key}: on a storage thread, or on the
     * core thread for a local mint; so implementations must be thread-safe.
     */
    void onStored(byte[] key, VersionedObject stored, String hintFor);
  }

  private final String nodeId;
  private final StorageEngine storage;
  private final Clock clock;
  private final NodeMetrics metrics;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  ReplicaService(String nodeId, StorageEngine storage, Clock clock, NodeMetrics metrics) {
    this.nodeId = nodeId;
    this.storage = storage;
    this.clock = clock;
    this.metrics = metrics;
  }

  void addListener(Listener listener) {
    listeners.add(listener);
  }

  private void stored(byte[] key, VersionedObject object, String hintFor) {
    for (Listener l : listeners) {
      l.onStored(key, object, hintFor);
    }
  }


  /** The sorted ring tokens of the keys stored here (objects with at least one sibling), for VERIFY. */
  private KeyTokensReply keyTokens(KeyTokensRequest request) {
    int max = Math.max(0, Math.min(request.max(), VERIFY_TOKENS_PER_NODE_MAX));
    long[] tokens = new long[Math.min(max, 1024)];
    int[] n = {0};
    boolean[] truncated = {false};
    long[][] buf = {tokens};
    storage.forEach((key, object) -> {
      if (object.siblings().isEmpty()) {
        return; // a purged key's remembered context, not data
      }
      if (n[0] >= max) {
        truncated[0] = true;
        return;
      }
      if (n[0] == buf[0].length) {
        buf[0] = java.util.Arrays.copyOf(buf[0], Math.min(max, buf[0].length * 2));
      }
      buf[0][n[0]++] = KeyHash.token(key);
    });
    long[] sorted = java.util.Arrays.copyOf(buf[0], n[0]);
    java.util.Arrays.sort(sorted);
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(sorted.length * Long.BYTES);
    for (long t : sorted) {
      out.putLong(t);
    }
    return new KeyTokensReply(request.requestId(), out.array(), truncated[0]);
  }

  /**
   * The first {@code limit} stored keys after the cursor, in unsigned byte order: one scan of the store
   * keeping the smallest {@code limit} in a bounded sorted set (O(keys log limit), {@code limit} keys held).
   */
  private NodeKeysReply localKeys(NodeKeysRequest request) {
    int limit = Math.max(1, Math.min(request.limit(), KEYS_PAGE_MAX));
    byte[] after = request.after() == null ? new byte[0] : request.after();
    java.util.TreeSet<byte[]> first = new java.util.TreeSet<>(java.util.Arrays::compareUnsigned);
    boolean[] more = {false};
    storage.forEach((key, object) -> {
      if (object.siblings().isEmpty() || java.util.Arrays.compareUnsigned(key, after) <= 0) {
        return; // a purged key's remembered context is not data
      }
      if (first.size() < limit) {
        first.add(key.clone());
      } else if (java.util.Arrays.compareUnsigned(key, first.last()) < 0) {
        first.pollLast();
        first.add(key.clone());
        more[0] = true;
      } else {
        more[0] = true;
      }
    });
    return new NodeKeysReply(request.requestId(), new ArrayList<>(first), more[0]);
  }

  /**
   * Serves one replica request against local storage; runs on the storage executor, or on the core
   * thread for this node's own read or mint ({@link RequestSettings#localReplicaOnCore()}). Never throws:
   * a refused or failed request is an {@link ErrorReply}.
   */
  Reply serve(Request request) {
    try {
      if (request instanceof ReplicaRead read) {
        try (Timer.Context ignored = metrics.replicaRead.time()) {
          return new ReplicaReadReply(read.requestId(), storage.get(read.key()));
        }
      }
      if (request instanceof ReplicaWrite write) {
        if (write.mintByMs() > 0 && clock.nowMs() > write.mintByMs()) {
          metrics.error(ErrorCode.TIMEOUT);
          return new ErrorReply(write.requestId(), ErrorCode.TIMEOUT, "replica " + nodeId
              + " got the write " + (clock.nowMs() - write.mintByMs()) + " ms after its coordinator's deadline;"
              + " not applied");
        }
        try (Timer.Context ignored = metrics.replicaWrite.time()) {
          WriteResult result = storage.write(write.key(), write.context(), write.value(), nodeId, clock.nowMs(),
              write.writeId());
          if (result.current().siblings().size() > 1) {
            metrics.siblingsCreated.inc();
          }
          stored(write.key(), result.current(), write.hintFor());
          for (String owner : write.ownersWithoutStandIn()) {
            stored(write.key(), result.current(), owner);
          }
          return new ReplicaWriteReply(write.requestId(), result.created(), result.current());
        }
      }
      if (request instanceof KeyTokensRequest list) {
        return keyTokens(list);
      }
      if (request instanceof NodeKeysRequest list) {
        return localKeys(list);
      }
      ReplicaMerge merge = (ReplicaMerge) request;
      try (Timer.Context ignored = metrics.replicaMerge.time()) {
        VersionedObject stored = storage.merge(merge.key(), merge.object());
        stored(merge.key(), stored, merge.hintFor());
        return new ReplicaAck(merge.requestId());
      }
    } catch (LimitExceededException e) {
      return new ErrorReply(request.requestId(), ErrorCode.LIMIT_EXCEEDED, e.getMessage());
    } catch (StoreFullException e) {
      log.error("store full on {}: {}", nodeId, e.getMessage());
      return new ErrorReply(request.requestId(), ErrorCode.STORE_FULL, e.getMessage());
    } catch (RuntimeException e) {
      log.error("replica request {} failed", request.getClass().getSimpleName(), e);
      return new ErrorReply(request.requestId(), ErrorCode.INTERNAL, "replica " + nodeId + " failed: " + e);
    }
  }
}
