package io.ringkv.internode;

import com.esotericsoftware.kryo.Kryo;
import io.ringkv.internode.ReplicaMessages.KeyTokensReply;
import io.ringkv.internode.ReplicaMessages.KeyTokensRequest;
import io.ringkv.internode.ReplicaMessages.RemovalStreamRequest;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaReadReply;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.internode.ReplicaMessages.ReplicaWriteReply;
import io.ringkv.internode.ReplicaMessages.StreamReply;
import io.ringkv.internode.ReplicaMessages.StreamRequest;
import io.ringkv.protocol.Messages;
import io.ringkv.protocol.WireExtension;
import io.ringkv.storage.codec.StorageKryo;

/**
 * The server's wire types: replica, gossip, anti-entropy and storage types, registered into every
 * {@link Messages} codec of a node process through {@code META-INF/services}. A client-only process
 * (the {@code ringkv-client} jar) has none of them.
 */
public final class InternodeWire implements WireExtension {
  @Override
  public void register(Kryo kryo) {
    kryo.register(ReplicaRead.class, 40);
    kryo.register(ReplicaReadReply.class, 41);
    kryo.register(ReplicaWrite.class, 42);
    kryo.register(ReplicaWriteReply.class, 43);
    kryo.register(ReplicaMerge.class, 44);
    kryo.register(ReplicaAck.class, 45);
    kryo.register(KeyTokensRequest.class, 46);
    kryo.register(KeyTokensReply.class, 47);
    kryo.register(StreamRequest.class, 48);
    kryo.register(StreamReply.class, 49);
    kryo.register(RemovalStreamRequest.class, 50);

    StorageKryo.register(kryo); // ids 100..119
    GossipMessages.register(kryo); // ids 60..79
    AntiEntropyMessages.register(kryo); // ids 80..89
    PeerAuthMessages.register(kryo); // ids 150..152 (the internode handshake without TLS)
    // the node-to-node halves of KEYS and the dashboard's figures (issue 13)
    kryo.register(ReplicaMessages.NodeKeysRequest.class, 126);
    kryo.register(ReplicaMessages.NodeKeysReply.class, 127);
    kryo.register(ReplicaMessages.NodeStatsRequest.class, 128);
    kryo.register(ReplicaMessages.NodeStatsReply.class, 129);
    // internode messages added after protocol version 3: Messages.INTERNODE_EXTRA_ID_FIRST.. LAST
  }
}
