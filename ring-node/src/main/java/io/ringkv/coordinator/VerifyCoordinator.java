package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.VerifyReply;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import io.ringkv.internode.ReplicaMessages.KeyTokensReply;
import io.ringkv.internode.ReplicaMessages.KeyTokensRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Answers VERIFY: asks every node for the ring tokens of the keys it stores, then walks the sorted
 * lists together and counts the keys held by fewer owners than they should be, and those held by a
 * node that is not an owner. Keys are compared by their 64-bit ring token (a collision between two
 * keys only merges their counts). Bounded: each node lists at most {@code tokensPerNodeMax} keys.
 */
public final class VerifyCoordinator extends GatherCoordinator<long[]> {
  /** The node id of a member and where to reach it. */
  public record Member(String id, Endpoint endpoint) {}

  private final long clientRequestId;
  private final List<Member> members;
  private final int replicationFactor;
  private final int tokensPerNodeMax;
  private final BiFunction<Long, Integer, List<String>> ownersOf;
  private boolean truncated;

  public VerifyCoordinator(long internalId, long clientRequestId, List<Member> members, int replicationFactor,
      int tokensPerNodeMax, long deadlineMs, BiFunction<Long, Integer, List<String>> ownersOf) {
    this(internalId, clientRequestId, members, java.util.Set.of(), replicationFactor, tokensPerNodeMax, deadlineMs,
        ownersOf);
  }

  /**
   * As above; the members named in {@code down} (DOWN in this node's view) are not asked and are
   * reported unanswered at once, so a VERIFY with a dead member answers when the live ones have,
   * instead of waiting out the deadline for a node that cannot answer.
   */
  public VerifyCoordinator(long internalId, long clientRequestId, List<Member> members, java.util.Set<String> down,
      int replicationFactor, int tokensPerNodeMax, long deadlineMs, BiFunction<Long, Integer, List<String>> ownersOf) {
    super(internalId, members.stream().filter(m -> !down.contains(m.id())).map(Member::endpoint).toList(), deadlineMs);
    this.clientRequestId = clientRequestId;
    this.members = List.copyOf(members);
    this.replicationFactor = replicationFactor;
    this.tokensPerNodeMax = tokensPerNodeMax;
    this.ownersOf = ownersOf;
  }

  @Override
  Message request(long internalId) {
    return new KeyTokensRequest(internalId, tokensPerNodeMax);
  }

  @Override
  long[] answerOf(Reply reply) {
    if (!(reply instanceof KeyTokensReply r)) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(r.tokens());
    long[] tokens = new long[r.tokens().length / Long.BYTES];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = b.getLong();
    }
    truncated |= r.truncated();
    return tokens;
  }

  /** Walks the nodes' sorted token lists together, one distinct token at a time. */
  @Override
  Reply reply(Map<Endpoint, long[]> answers) {
    List<String> ids = new ArrayList<>();
    List<long[]> lists = new ArrayList<>();
    List<String> unanswered = new ArrayList<>();
    for (Member m : members) {
      long[] t = answers.get(m.endpoint());
      if (t == null) {
        unanswered.add(m.id());
      } else {
        ids.add(m.id());
        lists.add(t);
      }
    }
    int[] at = new int[lists.size()];
    int expected = Math.min(replicationFactor, members.size());
    long keys = 0;
    long under = 0;
    long misplaced = 0;
    while (true) {
      long min = Long.MAX_VALUE;
      boolean any = false;
      for (int i = 0; i < lists.size(); i++) {
        if (at[i] < lists.get(i).length && (!any || lists.get(i)[at[i]] < min)) {
          min = lists.get(i)[at[i]];
          any = true;
        }
      }
      if (!any) {
        break;
      }
      Set<String> holders = new HashSet<>();
      for (int i = 0; i < lists.size(); i++) {
        while (at[i] < lists.get(i).length && lists.get(i)[at[i]] == min) {
          holders.add(ids.get(i));
          at[i]++;
        }
      }
      keys++;
      List<String> owners = ownersOf.apply(min, replicationFactor);
      int owning = 0;
      for (String h : holders) {
        if (owners.contains(h)) {
          owning++;
        }
      }
      if (owning < expected) {
        under++;
      }
      if (owning < holders.size()) {
        misplaced++;
      }
    }
    return new VerifyReply(clientRequestId, keys, under, misplaced, unanswered, truncated);
  }
}
