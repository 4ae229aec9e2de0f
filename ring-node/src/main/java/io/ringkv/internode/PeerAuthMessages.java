package io.ringkv.internode;

import io.ringkv.protocol.Message;

import com.esotericsoftware.kryo.Kryo;

/**
 * The internode handshake's proof of membership when internode TLS is off and the nodes share a
 * cluster secret (Kryo ids 150..152; {@code io.ringkv.security.ClusterSecret} computes the proofs):
 *
 * <pre>
 *   connector                                   acceptor
 *   Hello(node id, address, cluster)      -->
 *                                         <--   PeerChallenge(acceptor nonce)
 *   PeerProof(connector nonce, HMAC)      -->   checks the HMAC over both nonces, ids, cluster
 *                                         <--   PeerProven(acceptor id, HMAC)  (instead of HelloOk)
 *   checks the acceptor's HMAC; only then sends anything else
 * </pre>
 *
 * Both sides prove they know the secret, each bound to a nonce the other chose, so neither a recorded
 * handshake nor a process that only pretends to listen at a member's address gets anywhere.
 */
public final class PeerAuthMessages {
  public static final int FIRST_ID = 150;
  public static final int LAST_ID = 152;

  private PeerAuthMessages() {}

  /** The acceptor's challenge, sent in place of HelloOk to a node's Hello. */
  public record PeerChallenge(byte[] nonce) implements Message {}

  /** The connector's answer: its own nonce and the HMAC of the connect label, both nonces, its id and cluster. */
  public record PeerProof(byte[] nonce, byte[] proof) implements Message {}

  /** The acceptor's own proof over both nonces, its id and cluster; ends the handshake like HelloOk. */
  public record PeerProven(String nodeId, String clusterName, byte[] proof) implements Message {}

  public static void register(Kryo kryo) {
    kryo.register(PeerChallenge.class, 150);
    kryo.register(PeerProof.class, 151);
    kryo.register(PeerProven.class, 152);
  }
}
