package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.KeysReply;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.NodeKeysReply;
import io.ringkv.internode.ReplicaMessages.NodeKeysRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Answers KEYS, one page of a covering walk of the ring (Riak's list-keys): every asked node lists its
 * first {@code limit} keys after the cursor, and the page is the first {@code limit} keys of their
 * union. Why nothing is skipped: if a key k held by an answering node is below the page's last key c
 * but not in the page, that node's {@code limit} keys were all below k (it lists in order), so the
 * union's first {@code limit} keys are all below k < c, and c is not in the page. A key is missed only
 * when every replica that holds it is among the nodes that did not answer (named in the reply).
 * Cost per page: every asked node scans its whole store (see docs/http.md).
 */
public final class KeysCoordinator extends GatherCoordinator<NodeKeysReply> {
  /** A node asked, by id and endpoint. */
  public record Member(String id, Endpoint endpoint) {}

  private final long clientRequestId;
  private final List<Member> members;
  private final List<String> skipped;
  private final byte[] after;
  private final int limit;

  /**
   * @param members the nodes to ask
   * @param skipped nodes not asked (down): reported as unanswered
   */
  public KeysCoordinator(long internalId, long clientRequestId, List<Member> members, List<String> skipped,
      byte[] after, int limit, long deadlineMs) {
    super(internalId, members.stream().map(Member::endpoint).toList(), deadlineMs);
    this.clientRequestId = clientRequestId;
    this.members = List.copyOf(members);
    this.skipped = List.copyOf(skipped);
    this.after = after == null ? new byte[0] : after;
    this.limit = limit;
  }

  @Override
  Message request(long internalId) {
    return new NodeKeysRequest(internalId, after, limit);
  }

  @Override
  NodeKeysReply answerOf(Reply reply) {
    return reply instanceof NodeKeysReply r ? r : null;
  }

  @Override
  Reply reply(Map<Endpoint, NodeKeysReply> answers) {
    TreeSet<byte[]> union = new TreeSet<>(Arrays::compareUnsigned);
    boolean more = false;
    for (NodeKeysReply r : answers.values()) {
      more |= r.more();
      for (byte[] k : r.keys()) {
        if (Arrays.compareUnsigned(k, after) > 0) {
          union.add(k);
        }
      }
    }
    List<byte[]> page = new ArrayList<>(Math.min(limit, union.size()));
    for (byte[] k : union) {
      if (page.size() == limit) {
        more = true;
        break;
      }
      page.add(k);
    }
    List<String> unanswered = new ArrayList<>(skipped);
    for (Member m : members) {
      if (!answers.containsKey(m.endpoint())) {
        unanswered.add(m.id());
      }
    }
    return new KeysReply(clientRequestId, page, more, unanswered);
  }
}
