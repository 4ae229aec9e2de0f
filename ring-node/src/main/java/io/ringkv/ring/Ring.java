package io.ringkv.ring;

import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MembershipView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The consistent-hashing ring as an immutable value (riak_core's {@code chash}): a sorted array of
 * tokens and, per token, the index of its owner. The owners are the members whose status
 * {@linkplain io.ringkv.gossip.MemberStatus#ownsTokens() owns tokens} (UP and LEAVING; JOINING nodes
 * are not owners yet, LEFT and REMOVED no longer).
 *
 * <p>Token t owns the arc (previous token, t]; a key belongs to the first token at or clockwise after
 * its {@link KeyHash#token}. The replicas of a key are the first N distinct physical nodes clockwise
 * (Dynamo section 4.3). Should two members claim the same token, the member with the smaller id keeps
 * it, so every node builds the same ring from the same view.
 *
 * <p>Building is O(T log T) for T tokens; lookups are a binary search plus a short walk.
 */
public final class Ring {
  /** 2^64, the number of positions on the ring. */
  static final double RING_SIZE = 18446744073709551616.0;

  private static final Ring EMPTY = new Ring(new long[0], new int[0], new String[0], new Endpoint[0]);

  private final long[] tokens;
  private final int[] owner;
  private final String[] nodeIds;
  private final Endpoint[] endpoints;
  private final Map<String, Integer> nodeIndex;

  private Ring(long[] tokens, int[] owner, String[] nodeIds, Endpoint[] endpoints) {
    this.tokens = tokens;
    this.owner = owner;
    this.nodeIds = nodeIds;
    this.endpoints = endpoints;
    this.nodeIndex = new HashMap<>();
    for (int i = 0; i < nodeIds.length; i++) {
      nodeIndex.put(nodeIds[i], i);
    }
  }

  public static Ring empty() {
    return EMPTY;
  }

  /** The ring of the token-owning members of {@code view}. */
  public static Ring of(MembershipView view) {
    return of(view.members());
  }

  /** The ring of the token-owning members among {@code members} (one state per id). */
  public static Ring of(Collection<Member> members) {
    List<Member> owners = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Member m : members) {
      if (!seen.add(m.id())) {
        throw new IllegalArgumentException("member '" + m.id() + "' appears twice");
      }
      if (m.status().ownsTokens() && !m.tokens().isEmpty()) {
        owners.add(m);
      }
    }
    owners.sort((a, b) -> a.id().compareTo(b.id()));
    String[] ids = new String[owners.size()];
    Endpoint[] eps = new Endpoint[owners.size()];
    int total = 0;
    for (int i = 0; i < owners.size(); i++) {
      ids[i] = owners.get(i).id();
      eps[i] = owners.get(i).endpoint();
      total += owners.get(i).tokens().size();
    }
    // pack (token, owner) so one primitive sort orders by token, then by owner index (= id order)
    long[] toks = new long[total];
    int[] own = new int[total];
    Integer[] order = new Integer[total];
    int k = 0;
    for (int i = 0; i < owners.size(); i++) {
      for (long t : owners.get(i).tokens()) {
        toks[k] = t;
        own[k] = i;
        order[k] = k;
        k++;
      }
    }
    Arrays.sort(order, (a, b) -> {
      int c = Long.compare(toks[a], toks[b]);
      return c != 0 ? c : Integer.compare(own[a], own[b]);
    });
    long[] sortedTokens = new long[total];
    int[] sortedOwner = new int[total];
    int n = 0;
    for (int idx : order) {
      if (n > 0 && sortedTokens[n - 1] == toks[idx]) {
        continue; // collision: the smaller id (earlier in order) keeps the token
      }
      sortedTokens[n] = toks[idx];
      sortedOwner[n] = own[idx];
      n++;
    }
    return new Ring(Arrays.copyOf(sortedTokens, n), Arrays.copyOf(sortedOwner, n), ids, eps);
  }

  public boolean isEmpty() {
    return tokens.length == 0;
  }

  public int tokenCount() {
    return tokens.length;
  }

  /** Number of physical nodes that own tokens. */
  public int nodeCount() {
    return nodeIds.length;
  }

  /** Owner ids in id order. */
  public List<String> nodeIds() {
    return List.of(nodeIds);
  }

  public boolean isOwner(String nodeId) {
    return nodeIndex.containsKey(nodeId);
  }

  public Optional<Endpoint> endpointOf(String nodeId) {
    Integer i = nodeIndex.get(nodeId);
    return i == null ? Optional.empty() : Optional.of(endpoints[i]);
  }

  /** The tokens {@code nodeId} holds on this ring (after collision resolution), ascending. */
  public List<Long> tokensOf(String nodeId) {
    Integer idx = nodeIndex.get(nodeId);
    List<Long> out = new ArrayList<>();
    if (idx != null) {
      for (int i = 0; i < tokens.length; i++) {
        if (owner[i] == idx) {
          out.add(tokens[i]);
        }
      }
    }
    return out;
  }

  Set<Long> tokenSet() {
    Set<Long> s = new HashSet<>(tokens.length * 2);
    for (long t : tokens) {
      s.add(t);
    }
    return s;
  }

  /** The node whose token is the first at or clockwise after {@code token}. */
  public String primaryOwner(long token) {
    requireNonEmpty();
    return nodeIds[owner[indexFor(token)]];
  }

  /** The first min(n, nodeCount) distinct nodes clockwise from {@code token}. */
  public List<String> owners(long token, int n) {
    requirePositive(n);
    List<String> out = new ArrayList<>();
    if (isEmpty()) {
      return out;
    }
    for (int idx : walkDistinct(indexFor(token), Math.min(n, nodeIds.length), null)) {
      out.add(nodeIds[idx]);
    }
    return out;
  }

  public List<String> owners(byte[] key, int n) {
    return owners(KeyHash.token(key), n);
  }

  public PreferenceList preferenceList(byte[] key, int n, Predicate<String> isAlive) {
    return preferenceList(KeyHash.token(key), n, isAlive);
  }

  /**
   * The preference list of {@code token}: min(n, nodeCount) primaries; each primary that is not
   * {@code isAlive} is replaced by the next alive node clockwise beyond the primaries that is not
   * itself a primary (riak_core_apl semantics). With too few alive nodes some down primaries get no
   * fallback; they are still listed in {@link PreferenceList#unavailablePrimaries()}.
   */
  public PreferenceList preferenceList(long token, int n, Predicate<String> isAlive) {
    requirePositive(n);
    if (isEmpty()) {
      return new PreferenceList(token, List.of(), List.of(), List.of());
    }
    int start = indexFor(token);
    int want = Math.min(n, nodeIds.length);
    boolean[] taken = new boolean[nodeIds.length];
    int[] primaryIdx = walkDistinct(start, want, taken);
    List<Replica> primaries = new ArrayList<>(want);
    List<Replica> replicas = new ArrayList<>(want);
    List<Replica> down = new ArrayList<>();
    for (int idx : primaryIdx) {
      Replica r = Replica.primary(nodeIds[idx], endpoints[idx]);
      primaries.add(r);
      (isAlive.test(nodeIds[idx]) ? replicas : down).add(r);
    }
    if (!down.isEmpty() && want < nodeIds.length) {
      // walk on past the primaries (every token after start is visited once) for alive stand-ins
      int next = 0;
      for (int step = 0; step < tokens.length && next < down.size(); step++) {
        int o = owner[(start + step) % tokens.length];
        if (taken[o]) {
          continue;
        }
        taken[o] = true;
        if (isAlive.test(nodeIds[o])) {
          replicas.add(new Replica(nodeIds[o], endpoints[o], Replica.Role.FALLBACK, down.get(next).nodeId()));
          next++;
        }
      }
    }
    return new PreferenceList(token, primaries, replicas, down);
  }

  /** Each node's share of the ring as primary (sums to 1), in id order. */
  public Map<String, Double> ownership() {
    double[] share = new double[nodeIds.length];
    if (tokens.length == 1) {
      share[owner[0]] = 1.0;
    } else {
      for (int i = 0; i < tokens.length; i++) {
        long prev = tokens[(i + tokens.length - 1) % tokens.length];
        share[owner[i]] += unsignedToDouble(tokens[i] - prev) / RING_SIZE;
      }
    }
    Map<String, Double> out = new TreeMap<>();
    for (int i = 0; i < nodeIds.length; i++) {
      out.put(nodeIds[i], share[i]);
    }
    return out;
  }

  /** Every arc between consecutive tokens, in token order, with its n replicas. */
  public List<TokenRange> ranges(int n) {
    requirePositive(n);
    List<TokenRange> out = new ArrayList<>(tokens.length);
    for (int i = 0; i < tokens.length; i++) {
      out.add(rangeEndingAt(i, n));
    }
    return out;
  }

  /** The arcs for which {@code nodeId} is one of the n replicas (what it must hold, stream, repair). */
  public List<TokenRange> rangesOf(String nodeId, int n) {
    requirePositive(n);
    List<TokenRange> out = new ArrayList<>();
    if (!nodeIndex.containsKey(nodeId)) {
      return out;
    }
    for (int i = 0; i < tokens.length; i++) {
      TokenRange r = rangeEndingAt(i, n);
      if (r.replicas().contains(nodeId)) {
        out.add(r);
      }
    }
    return out;
  }

  /** The arcs {@code nodeId} is the primary of (the arcs ending at its tokens). */
  public List<TokenRange> primaryRangesOf(String nodeId) {
    return rangesOf(nodeId, 1);
  }

  private TokenRange rangeEndingAt(int i, int n) {
    long prev = tokens[(i + tokens.length - 1) % tokens.length];
    return new TokenRange(prev, tokens[i], owners(tokens[i], n));
  }

  /** Index of the first token >= {@code token}, wrapping to 0. */
  private int indexFor(long token) {
    int i = Arrays.binarySearch(tokens, token);
    if (i < 0) {
      i = -i - 1;
    }
    return i == tokens.length ? 0 : i;
  }

  /** Owner indexes of the first {@code count} distinct owners from token index {@code start}. */
  private int[] walkDistinct(int start, int count, boolean[] taken) {
    boolean[] seen = taken != null ? taken : new boolean[nodeIds.length];
    int[] out = new int[count];
    int found = 0;
    for (int step = 0; step < tokens.length && found < count; step++) {
      int o = owner[(start + step) % tokens.length];
      if (!seen[o]) {
        seen[o] = true;
        out[found++] = o;
      }
    }
    return out;
  }

  private void requireNonEmpty() {
    if (isEmpty()) {
      throw new IllegalStateException("the ring is empty: no member owns tokens");
    }
  }

  private static void requirePositive(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
  }

  static double unsignedToDouble(long v) {
    double d = (double) (v >>> 1) * 2.0;
    return d + (v & 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ring r && Arrays.equals(tokens, r.tokens) && Arrays.equals(owner, r.owner)
        && Arrays.equals(nodeIds, r.nodeIds) && Arrays.equals(endpoints, r.endpoints);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(tokens) * 31 + Arrays.hashCode(nodeIds);
  }

  @Override
  public String toString() {
    return "Ring[" + nodeIds.length + " nodes, " + tokens.length + " tokens]";
  }
}
