package io.ringkv.gossip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One node's gossiped state. Only the node itself changes its state (bumping {@code version}), with
 * one exception: an administrator's REMOVING and REMOVED marks. A restarted node comes back with a higher
 * {@code generation}, so any state of its previous life is superseded whatever its version was.
 *
 * @param id stable node id, at most {@link #MAX_ID_LENGTH} characters
 * @param endpoint where peers reach the node
 * @param tokens the node's ring positions, strictly ascending (signed order), at most {@link #MAX_TOKENS}
 * @param status lifecycle status
 * @param generation grows on every restart (e.g. a persisted restart counter or start epoch seconds)
 * @param version heartbeat version within a generation, bumped every gossip round and on every change
 * @param stateVersion the version at which endpoint, tokens, status or activity last changed
 *     ({@code <= version}). (generation, stateVersion) identifies the heavy part of the state, so a peer
 *     that already holds it is sent a digest-sized heartbeat instead of the whole member (Cassandra
 *     separates HeartBeatState from the application states for the same reason): with 1024 tokens a
 *     state is ~8 KB.
 * @param activity what the node is busy with, one line for operators (e.g. a LEAVE's streaming
 *     progress), "" when idle; at most {@link #MAX_ACTIVITY_LENGTH} characters, no control characters.
 *     Part of the heavy state: a change travels like a status change, so its publisher must rate-limit.
 */
public record Member(
    String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation, long version,
    long stateVersion, String activity) {

  /** Upper bound on tokens per member: 16x the vnode default, far above any sane setting. */
  public static final int MAX_TOKENS = 4096;

  /** Upper bound on id length; ids appear in every log line and hint. */
  public static final int MAX_ID_LENGTH = 128;

  /** Upper bound on activity length: one line of a NODES listing, small next to the tokens. */
  public static final int MAX_ACTIVITY_LENGTH = 256;

  /** Total order on states of one member: (generation, version), then content to break exact ties. */
  static final Comparator<Member> PRECEDENCE =
      Comparator.comparingLong(Member::generation)
          .thenComparingLong(Member::version)
          .thenComparingLong(Member::stateVersion)
          .thenComparing(Member::status)
          .thenComparing(Member::endpoint)
          .thenComparing(Member::tokens, Member::compareTokens)
          .thenComparing(Member::activity);

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
    checkActivity(id, activity);
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

  /** An idle state (no activity). */
  public Member(String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation, long version,
      long stateVersion) {
    this(id, endpoint, tokens, status, generation, version, stateVersion, "");
  }

  /** An idle state whose heavy part is taken as changed at {@code version} (stateVersion = version). */
  public Member(String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation, long version) {
    this(id, endpoint, tokens, status, generation, version, version, "");
  }

  /** A fresh member state: version 0 of the given generation. Tokens are sorted for you. */
  public static Member of(String id, Endpoint endpoint, List<Long> tokens, MemberStatus status, long generation) {
    List<Long> sorted = new ArrayList<>(tokens);
    sorted.sort(null);
    return new Member(id, endpoint, sorted, status, generation, 0, 0, "");
  }

  /** This state with {@code status} and the version bumped. */
  public Member withStatus(MemberStatus newStatus) {
    return new Member(id, endpoint, tokens, newStatus, generation, version + 1, version + 1, activity);
  }

  /** This state with {@code newActivity} and the version bumped (a heavy-state change). */
  public Member withActivity(String newActivity) {
    return new Member(id, endpoint, tokens, status, generation, version + 1, version + 1, newActivity);
  }

  /** This state with the version bumped by one (a heartbeat); the heavy part is unchanged. */
  public Member bumped() {
    return withVersion(version + 1);
  }

  /** This state at heartbeat version {@code newVersion} (>= stateVersion), the heavy part unchanged. */
  public Member withVersion(long newVersion) {
    return new Member(id, endpoint, tokens, status, generation, newVersion, stateVersion, activity);
  }

  /**
   * Throws unless {@code activity} is a valid activity line: at most {@link #MAX_ACTIVITY_LENGTH}
   * characters and no control characters (it is printed as one line of a table).
   */
  public static void checkActivity(String id, String activity) {
    Objects.requireNonNull(activity, "activity");
    if (activity.length() > MAX_ACTIVITY_LENGTH) {
      throw new IllegalArgumentException("member " + id + ": activity must be at most " + MAX_ACTIVITY_LENGTH
          + " characters (Member.MAX_ACTIVITY_LENGTH), got " + activity.length());
    }
    for (int i = 0; i < activity.length(); i++) {
      if (Character.isISOControl(activity.charAt(i))) {
        throw new IllegalArgumentException("member " + id + ": activity must be one line without control"
            + " characters, got one at index " + i);
      }
    }
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

  /** Whether the parts the ring is built from (endpoint, tokens, status) differ; the activity is not one. */
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
