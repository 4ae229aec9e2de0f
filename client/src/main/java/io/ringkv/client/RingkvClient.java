package io.ringkv.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The Java client of a ringkv cluster. It talks to one node at a time (any node coordinates any
 * request), learns the other nodes from heartbeats, and fails over to another node when its node
 * stops answering. Every call has a timeout; failures complete the future exceptionally with a
 * {@link RingkvException}.
 *
 * <p>Reads return an opaque {@link CausalContext}; send it back with the next write or delete of that
 * key so the write replaces what was read. A write without context ({@link CausalContext#NONE}) is a
 * blind write and becomes a sibling of whatever exists. {@link #set} is the convenience that reads the
 * context first, so it overwrites.
 */
public interface RingkvClient extends AutoCloseable {

  /** Connects to the first reachable seed, blocking up to the connect timeout. */
  static RingkvClient connect(ClientConfig config) {
    return NettyRingkvClient.connect(config);
  }

  CompletableFuture<GetResult> get(byte[] key, RequestOptions options);

  CompletableFuture<PutResult> put(byte[] key, byte[] value, CausalContext context, RequestOptions options);

  CompletableFuture<DeleteResult> delete(byte[] key, CausalContext context, RequestOptions options);

  /** Read the key's context, then write with it: overwrites the siblings that exist now. */
  CompletableFuture<PutResult> set(byte[] key, byte[] value, RequestOptions options);

  /** Read the key's context, then delete with it. */
  CompletableFuture<DeleteResult> remove(byte[] key, RequestOptions options);

  /** The heartbeat call: cluster membership, N, default R/W, warnings. */
  CompletableFuture<ClusterInfo> info();

  /** What each replica of the key's preference list holds, read from each replica directly. */
  CompletableFuture<List<ClusterInfo.ReplicaState>> where(byte[] key);

  /**
   * One page of the cluster's keys (nodeId null: a covering walk of the ring, every live node scans its
   * store) or of the keys one node stores, after {@code after} (null: from the start), at most
   * {@code limit} (0: the node's default, 1,000; at most 10,000). An admin call: each page costs a scan.
   */
  CompletableFuture<KeysPage> keys(String nodeId, byte[] after, int limit);

  /** Checks the whole ring: is every key held by its N owners, and only by them? (An admin call: it scans every node.) */
  CompletableFuture<VerifyResult> verify();

  /**
   * Removes a dead node from the ring for good (refused while the cluster sees it alive): the node
   * asked marks it REMOVING, the survivors hand its ranges' data to the new owners, then it is REMOVED.
   * Completes with one line saying what was done, once that is over (the node's activity in
   * {@link #info()} shows the progress meanwhile); fails when the re-replication did not complete (the
   * node then stays REMOVING: run it again).
   */
  CompletableFuture<String> removeNode(String nodeId);

  /**
   * Decommissions the node this client is connected to: it hands its data to the owners of the ring
   * without it, leaves the ring and stops; the client then fails over. Completes when the node has left.
   */
  CompletableFuture<String> leave();

  /**
   * As {@link #leave()}, but only if the node this client is connected to is {@code nodeId}: any other
   * node refuses (BAD_REQUEST). Use it when the node was chosen by its id (the REPL asks to confirm it).
   */
  CompletableFuture<String> leave(String nodeId);

  /**
   * Stops the node {@code nodeId} cleanly (any live member; the node asked forwards it when it is not
   * that node): it answers, flushes its stores and its process exits with status 0. Completes with
   * the node's one line; sent once, never retried on another node.
   */
  CompletableFuture<String> stopNode(String nodeId);

  /** The node this client is talking to now. */
  NodeAddress currentNode();

  /** The latest cluster view from a heartbeat (never null after connect). */
  ClusterInfo lastInfo();

  void addListener(ClientListener listener);

  /** A blocking view of this client; its calls throw {@link RingkvException}. */
  BlockingRingkvClient blocking();

  @Override
  void close();
}
