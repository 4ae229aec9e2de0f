package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.ring.Replica;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * What counts toward R and W, shared by the GET and PUT coordinators: a key's owners, or every target
 * when the request asked for a sloppy quorum (stand-ins store hints either way). The write plan's
 * up-front count is {@link io.ringkv.ring.WritePlan#countable}.
 */
final class Quorums {

  private Quorums() {}

  static boolean counts(Replica target, boolean sloppy) {
    return target != null && (sloppy || !target.isFallback());
  }

  /** How many of {@code answered} are targets that count. */
  static int counted(Collection<Endpoint> answered, List<Replica> targets, boolean sloppy) {
    int n = 0;
    for (Endpoint e : answered) {
      if (counts(Replica.at(targets, e), sloppy)) {
        n++;
      }
    }
    return n;
  }

  /** Targets that count and have neither answered nor failed. */
  static int outstanding(List<Replica> targets, Set<Endpoint> answered, Set<Endpoint> failed, boolean sloppy) {
    int n = 0;
    for (Replica t : targets) {
      if (counts(t, sloppy) && !answered.contains(t.endpoint()) && !failed.contains(t.endpoint())) {
        n++;
      }
    }
    return n;
  }
}
