package io.ringkv.gossip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One node's gossiped state. Only the node itself changes its state (bumping {@code version}), with
 * one exception: an administrator's REMOVED mark. A restarted node comes back with a higher
 * {@code generation}, so any state of its previous life is superseded whatever its version was.
 *
 * @param id stable node id, at most {@link #MAX_ID_LENGTH} characters
 * @param endpoint where peers reach the node
 * @param tokens the node's ring positions, strictly ascending (signed order), at most {@link #MAX_TOKENS}
 * @param status lifecycle status
 * @param generation grows on every restart (e.g. a persisted restart counter or start epoch seconds)
 * @param version heartbeat version within a generation, bumped every gossip round and on every change
 * @param stateVersion the version at which endpoint, tokens or status last changed ({@code <= version}).
 *     (generation, stateVersion) identifies the heavy part of the state, so a peer that already holds it
 *     is sent a digest-sized heartbeat instead of the whole member (Cassandra separates HeartBeatState
 *     from the application states for the same reason): with 1024 tokens a state is ~8 KB.
 */
public record Member(
    String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation, long version,
    long stateVersion) {

  /** Upper bound on tokens per member: 16x the vnode default, far above any sane setting. */
  public static final int MAX_TOKENS = 4096;

  /** Upper bound on id length; ids appear in every log line and hint. */
  public static final int MAX_ID_LENGTH = 128;

  /** Total order on states of one member: (generation, version), then content to break exact ties. */
  static final Comparator<Member> PRECEDENCE =
      Comparator.comparingLong(Member::generation)
          .thenComparingLong(Member::version)
          .thenComparingLong(Member::stateVersion)
          .thenComparing(Member::status)
          .thenComparing(Member::endpoint)
          .thenComparing(Member::tokens, Member::compareTokens);

  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(status, "status");
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("member id must be 1.." + MAX_ID_LENGTH + " characters, got '" + id + "'");
    }
    if (tokens.size() > MAX_TOKENS) {
      throw new IllegalArgumentException(
          "member " + id + " has " + tokens.size() + " tokens, more than Member.MAX_TOKENS=" + MAX_TOKENS);
    }
    tokens = List.copyOf(tokens);
    for (int i = 1; i < tokens.size(); i++) {
      if (tokens.get(i - 1) >= tokens.get(i)) {
        throw new IllegalArgumentException("member " + id + ": tokens must be strictly ascending at index " + i);
      }
    }
    if (generation < 0 || version < 0) {
      throw new IllegalArgumentException(
          "member " + id + ": generation and version must be >= 0, got " + generation + ", " + version);
    }
    if (stateVersion < 0 || stateVersion > version) {
      throw new IllegalArgumentException(
          "member " + id + ": stateVersion must be 0..version (" + version + "), got " + stateVersion);
    }
  }

  /** A state whose heavy part is taken as changed at {@code version} (stateVersion = version). */
  public Member(String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation, long version) {
    this(id, endpoint, tokens, status, generation, version, version);
  }

  /** A fresh member state: version 0 of the given generation. Tokens are sorted for you. */
  public static Member of(String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation) {
    List<Long> sorted = new ArrayList<>(tokens);
    sorted.sort(null);
    return new Member(id, endpoint, sorted, status, generation, 0, 0);
  }

  /** This state with {@code status} and the version bumped. */
  public Member withStatus(MemberStatus newStatus) {
    return new Member(id, endpoint, tokens, newStatus, generation, version + 1, version + 1);
  }

  /** This state with the version bumped by one (a heartbeat); the heavy part is unchanged. */
  public Member bumped() {
    return withVersion(version + 1);
  }

  /** This state at heartbeat version {@code newVersion} (>= stateVersion), the heavy part unchanged. */
  public Member withVersion(long newVersion) {
    return new Member(id, endpoint, tokens, status, generation, newVersion, stateVersion);
  }

  public Digest digest() {
    return new Digest(id, generation, version, stateVersion);
  }

  /**
   * Whether a peer whose digest of this member is {@code theirs} already holds this state's heavy part,
   * so a heartbeat digest is enough to bring it up to date.
   */
  public boolean heavyStateMatches(Digest theirs) {
    return theirs.generation() == generation && theirs.stateVersion() == stateVersion;
  }

  /** Whether this state wins over {@code other} (a state of the same member) in a merge. */
  public boolean supersedes(Member other) {
    return PRECEDENCE.compare(this, other) > 0;
  }

  /** Whether the parts the ring is built from (endpoint, tokens, status) differ. */
  public boolean ringStateDiffers(Member other) {
    return !endpoint.equals(other.endpoint) || !tokens.equals(other.tokens) || status != other.status;
  }

  static int compareVersions(long g1, long v1, long g2, long v2) {
    int c = Long.compare(g1, g2);
    return c != 0 ? c : Long.compare(v1, v2);
  }

  private static int compareTokens(List<Long> a, List<Long> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = Long.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
