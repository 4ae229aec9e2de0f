package io.ringkv.ring;

import io.ringkv.protocol.ClientMessages.NodeInfo;
import java.util.List;

/**
 * What the request path needs to know about the cluster, as the local node sees it now: where a
 * key lives and who is alive. Implemented over gossip membership and the ring; simulations may
 * use a fixed one.
 */
public interface ClusterView {
  /**
   * The nodes a coordinator sends the key's traffic to: its alive primaries first, then a fallback
   * for each down primary (sloppy quorum). At most {@code n} entries.
   */
  List<Replica> targets(byte[] key, int n);

  /**
   * The key's pending replicas: alive nodes that will be among its {@code n} owners once the joins and
   * leaves under way are done but are not owners now. A write goes to them too and needs one more
   * acknowledgement per pending replica, so any read quorum of the ring after the change meets it.
   */
  default List<Replica> pending(byte[] key, int n) {
    return List.of();
  }

  /** All {@code n} primaries of the key, alive or not, in ring order (for WHERE and verification). */
  List<Replica> primaries(byte[] key, int n);

  /** The ids of the {@code n} primary owners of a ring token. */
  List<String> ownersOf(long token, int n);

  /** Every known node, this one included. */
  List<NodeInfo> nodes();

  /** Nodes currently believed alive, this one included. */
  int liveNodes();
}
