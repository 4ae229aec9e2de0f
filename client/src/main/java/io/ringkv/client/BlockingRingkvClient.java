package io.ringkv.client;

import java.util.List;

/** The blocking face of {@link RingkvClient}: the same calls, waiting for the answer. */
public interface BlockingRingkvClient {
  GetResult get(byte[] key, RequestOptions options);

  PutResult put(byte[] key, byte[] value, CausalContext context, RequestOptions options);

  DeleteResult delete(byte[] key, CausalContext context, RequestOptions options);

  PutResult set(byte[] key, byte[] value, RequestOptions options);

  DeleteResult remove(byte[] key, RequestOptions options);

  ClusterInfo info();

  List<ClusterInfo.ReplicaState> where(byte[] key);

  VerifyResult verify();

  KeysPage keys(String nodeId, byte[] after, int limit);

  String removeNode(String nodeId);

  String leave();

  String leave(String nodeId);

  String stopNode(String nodeId);
}
