package io.ringkv.node;

import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transfer.TransferConfig;
import io.ringkv.transfer.TransferDriver;
import java.util.concurrent.Executor;

/**
 * The runtime a node's transfers run on (its core scheduler and clock, its storage, merges through it), and
 * their bounds: LEAVE, both sides of a bootstrap, REMOVE's re-replication and cleanup all stream this way.
 */
final class NodeTransfers {
  /**
   * The rate of the transfers started from now on in this JVM: {@link TransferConfig#DEFAULTS}' but for
   * tests that need a stream slow enough to watch.
   */
  static volatile long bytesPerSecond = TransferConfig.DEFAULTS.bytesPerSecond();

  private NodeTransfers() {}

  /** The bounds of a transfer started now. */
  static TransferConfig config() {
    return TransferConfig.DEFAULTS.withBytesPerSecond(bytesPerSecond);
  }

  static TransferDriver.Runtime runtime(RingNode node, StorageEngine storage, Executor storageExecutor) {
    TransferDriver.Merges merges = (to, key, object, acked) -> {
      long id = node.request(to, rid -> new ReplicaMerge(rid, key, object, null),
          (from, reply) -> acked.accept(reply instanceof ReplicaAck));
      return () -> node.forget(id);
    };
    return new TransferDriver.Runtime(node.core(), node.clock(), storageExecutor, storage, merges);
  }
}
