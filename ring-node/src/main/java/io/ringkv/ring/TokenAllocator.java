package io.ringkv.ring;

import io.ringkv.gossip.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks a joining node's tokens uniformly at random (Cassandra's original vnode allocation, Dynamo's
 * strategy 1), avoiding tokens already on the ring. Random tokens need many vnodes for an even load;
 * the default below comes from the measurement in {@code docs/ring-balance.md}.
 */
public final class TokenAllocator {
  /**
   * Default tokens per node, measured in docs/ring-balance.md: with random tokens, 256 leaves the most
   * loaded of 10 nodes 11% above its fair primary share on average and 17% for unlucky seeds; 1024
   * keeps every node of 3 to 10 within 10% (primary) and 5% (replicated load, N = 3) over all seeds
   * measured, at 8 KB of gossip state per node and 12 bytes per token in the ring.
   */
  public static final int DEFAULT_VNODES = 1024;

  /** Bound on vnodes per node: what a gossiped {@link Member} may carry. */
  public static final int MAX_VNODES = Member.MAX_TOKENS;

  private TokenAllocator() {}

  /**
   * {@code vnodes} distinct random tokens, none in {@code taken}, sorted ascending.
   *
   * @param random seeded by the caller; persist the result, do not re-derive it on restart
   */
  public static List<Long> allocate(int vnodes, Set<Long> taken, RandomGenerator random) {
    if (vnodes < 1 || vnodes > MAX_VNODES) {
      throw new IllegalArgumentException("vnodes must be 1.." + MAX_VNODES + ", got " + vnodes);
    }
    Set<Long> mine = new HashSet<>();
    while (mine.size() < vnodes) {
      long t = random.nextLong();
      if (!taken.contains(t)) {
        mine.add(t);
      }
    }
    List<Long> sorted = new ArrayList<>(mine);
    sorted.sort(null);
    return sorted;
  }

  /** {@code vnodes} random tokens avoiding every token of {@code ring}. */
  public static List<Long> allocate(int vnodes, Ring ring, RandomGenerator random) {
    return allocate(vnodes, ring.tokenSet(), random);
  }
}
