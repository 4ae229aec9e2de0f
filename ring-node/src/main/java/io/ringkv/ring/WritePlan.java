package io.ringkv.ring;

import io.ringkv.gossip.Endpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one write goes and how many acknowledgements it needs, computed in one place from the cluster as
 * this node sees it (pure: no clock, no I/O):
 * <ul>
 *   <li>{@code targets}: the key's live owners, then a fallback for each down one (sloppy quorum), with
 *       this node first when it is one of them (it mints the dot: one hop fewer), then the pending
 *       replicas (a joiner, a leaving node's successor), each needing one more acknowledgement, so any
 *       read quorum of the ring after the change meets the write (Cassandra's blockFor);
 *   <li>{@code acks}: W plus one per pending replica;
 *   <li>{@code countable} of the {@code reachable} pre-pending targets count toward W: the live owners,
 *       or every target with a sloppy quorum; fewer than W is UNAVAILABLE before anything is stored;
 *   <li>{@code ownersWithoutStandIn}: owners that are neither targets nor stood in for (too few nodes
 *       alive for a fallback each): the replicas tell hinted handoff to keep a hint for them.
 * </ul>
 */
public record WritePlan(List<Replica> targets, int acks, int countable, int reachable,
    List<String> ownersWithoutStandIn) {

  public WritePlan {
    targets = List.copyOf(targets);
    ownersWithoutStandIn = List.copyOf(ownersWithoutStandIn);
  }

  /** The plan of a write of {@code key} with W = {@code w}, coordinated by the node at {@code self}. */
  public static WritePlan of(ClusterView cluster, byte[] key, int n, int w, boolean sloppy, Endpoint self) {
    List<Replica> targets = localMinterFirst(cluster.targets(key, n), self);
    int countable = countable(targets, sloppy);
    int reachable = targets.size();
    int acks = w;
    List<Replica> pending = cluster.pending(key, n);
    if (!pending.isEmpty()) {
      List<Replica> all = new ArrayList<>(targets);
      for (Replica p : pending) {
        if (Replica.at(all, p.endpoint()) == null) {
          all.add(p);
          acks++;
        }
      }
      targets = all;
    }
    return new WritePlan(targets, acks, countable, reachable, ownersWithoutStandIn(cluster, key, n, targets));
  }

  /** Whether enough targets count toward W = {@code w} to try the write. */
  public boolean available(int w) {
    return countable >= w;
  }

  /**
   * How many of these targets can count toward R or W: the live owners, or every target (stand-ins too)
   * for a sloppy quorum ({@code --sloppy-quorum}, or a client's downgraded retry).
   */
  public static int countable(List<Replica> targets, boolean sloppy) {
    if (sloppy) {
      return targets.size();
    }
    int owners = 0;
    for (Replica t : targets) {
      if (!t.isFallback()) {
        owners++;
      }
    }
    return owners;
  }

  private static List<Replica> localMinterFirst(List<Replica> targets, Endpoint self) {
    for (int i = 1; i < targets.size(); i++) {
      if (targets.get(i).endpoint().equals(self)) {
        List<Replica> reordered = new ArrayList<>(targets);
        reordered.add(0, reordered.remove(i));
        return reordered;
      }
    }
    return targets;
  }

  private static List<String> ownersWithoutStandIn(ClusterView cluster, byte[] key, int n, List<Replica> targets) {
    if (targets.size() >= n) {
      return List.of();
    }
    Set<String> covered = new HashSet<>();
    for (Replica t : targets) {
      covered.add(t.nodeId());
      if (t.hintFor() != null) {
        covered.add(t.hintFor());
      }
    }
    List<String> missing = new ArrayList<>();
    for (Replica p : cluster.primaries(key, n)) {
      if (!covered.contains(p.nodeId())) {
        missing.add(p.nodeId());
      }
    }
    return missing;
  }
}
