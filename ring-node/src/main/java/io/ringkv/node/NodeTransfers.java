package io.ringkv.node;

import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.StorageEngine;
import io.ringkv.transfer.TransferDriver;
import java.util.concurrent.Executor;

/** The runtime a node's transfers run on: its core scheduler and clock, its storage, merges through it. */
final class NodeTransfers {
  private NodeTransfers() {}

  static TransferDriver.Runtime runtime(RingNode node, StorageEngine storage, Executor storageExecutor) {
    TransferDriver.Merges merges = (to, key, object, acked) -> {
      long id = node.request(to, rid -> new ReplicaMerge(rid, key, object, null),
          (from, reply) -> acked.accept(reply instanceof ReplicaAck));
      return () -> node.forget(id);
    };
    return new TransferDriver.Runtime(node.core(), node.clock(), storageExecutor, storage, merges);
  }
}
