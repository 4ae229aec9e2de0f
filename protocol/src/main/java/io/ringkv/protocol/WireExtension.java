package io.ringkv.protocol;

import com.esotericsoftware.kryo.Kryo;

/**
 * Wire types beyond the client protocol, registered into every {@link Messages} codec of the process.
 *
 * <p>The client protocol (ids 0..39 and {@link Messages#CLIENT_EXTRA_ID_FIRST}..{@link
 * Messages#CLIENT_EXTRA_ID_LAST}) is all a client needs, and is all the {@code ringkv-client} jar knows.
 * A server adds its internode messages (replication, gossip, anti-entropy, storage types) by putting an
 * implementation on the class path and naming it in {@code META-INF/services/io.ringkv.protocol.WireExtension}
 * (java.util.ServiceLoader). A process that receives a type its build does not register refuses the frame
 * with a {@link ProtocolException}, so a client that is sent an internode message fails loudly instead of
 * decoding it.
 *
 * <p>Ids are the protocol: an extension registers each type at a fixed id inside its own range and never
 * at an id of the client protocol; {@link Messages} checks the client ids are intact after every extension.
 */
public interface WireExtension {
  /** Registers this extension's types on {@code kryo}, each at its fixed id. */
  void register(Kryo kryo);
}
