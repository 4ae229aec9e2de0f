package io.ringkv.gossip;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable map from member id to the newest known {@link Member} state. {@link #merge} keeps,
 * per member, the state that wins by (generation, version) (content breaks exact ties, so the result
 * never depends on argument order): merge is commutative, associative and idempotent, the join of a
 * semilattice, which is what lets gossip converge whatever the order and duplication of messages.
 *
 * <p>Bounded by {@link #MAX_MEMBERS}; growing beyond it throws {@link MembershipFullException}.
 * Members are iterated in id order, so everything derived from a view is deterministic.
 */
public final class MembershipView {
  /** Upper bound on members, gone ones included. Riak and Cassandra clusters stay well below. */
  public static final int MAX_MEMBERS = 1024;

  private static final MembershipView EMPTY = new MembershipView(new TreeMap<>());

  private final SortedMap<String, Member> members;

  private MembershipView(TreeMap<String, Member> members) {
    this.members = Collections.unmodifiableSortedMap(members);
  }

  public static MembershipView empty() {
    return EMPTY;
  }

  /** A view of {@code states}; where several name one member, the winner is kept. */
  public static MembershipView of(Collection<Member> states) {
    TreeMap<String, Member> map = new TreeMap<>();
    for (Member m : states) {
      putIfWins(map, m);
    }
    return new MembershipView(map);
  }

  public static MembershipView of(Member... states) {
    return of(List.of(states));
  }

  /** The pointwise winner of this view and {@code other}. */
  public MembershipView merge(MembershipView other) {
    if (other.members.isEmpty()) {
      return this;
    }
    TreeMap<String, Member> map = new TreeMap<>(members);
    for (Member m : other.members.values()) {
      putIfWins(map, m);
    }
    return new MembershipView(map);
  }

  /** This view with {@code state} merged in. */
  public MembershipView with(Member state) {
    Member current = members.get(state.id());
    if (current != null && !state.supersedes(current)) {
      return this;
    }
    TreeMap<String, Member> map = new TreeMap<>(members);
    putIfWins(map, state);
    return new MembershipView(map);
  }

  public Optional<Member> get(String id) {
    return Optional.ofNullable(members.get(id));
  }

  public boolean contains(String id) {
    return members.containsKey(id);
  }

  /** All members in id order (unmodifiable). */
  public Collection<Member> members() {
    return members.values();
  }

  /** The members as an unmodifiable id-ordered map. */
  public SortedMap<String, Member> asMap() {
    return members;
  }

  public int size() {
    return members.size();
  }

  /** The digests of all members, in id order. */
  public List<Digest> digests() {
    List<Digest> out = new ArrayList<>(members.size());
    for (Member m : members.values()) {
      out.add(m.digest());
    }
    return out;
  }

  private static void putIfWins(TreeMap<String, Member> map, Member m) {
    Member current = map.get(m.id());
    if (current == null) {
      if (map.size() >= MAX_MEMBERS) {
        throw new MembershipFullException("membership view is full: cannot add member '" + m.id()
            + "' beyond MembershipView.MAX_MEMBERS=" + MAX_MEMBERS);
      }
      map.put(m.id(), m);
    } else if (m.supersedes(current)) {
      map.put(m.id(), m);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MembershipView v && members.equals(v.members);
  }

  @Override
  public int hashCode() {
    return members.hashCode();
  }

  @Override
  public String toString() {
    return "MembershipView" + members.values();
  }
}
