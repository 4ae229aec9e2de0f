package io.ringkv.ring;

import java.util.ArrayList;
import java.util.List;

/**
 * The nodes that hold a key right now, with sloppy-quorum fallbacks substituted (riak_core_apl's
 * annotated preference list). The primaries are the first N distinct physical nodes clockwise from
 * the key's token; each primary that is not alive is replaced by the next alive node clockwise beyond
 * the primaries, which keeps a hint for it.
 *
 * @param token the key's token
 * @param primaries all min(N, nodes) primaries in ring order, alive or not
 * @param replicas the alive primaries in ring order, then the fallbacks in the order of the primaries
 *     they stand in for: where reads and writes go
 * @param unavailablePrimaries the primaries that are not alive (with or without a fallback)
 */
public record PreferenceList(
    long token, List<Replica> primaries, List<Replica> replicas, List<Replica> unavailablePrimaries) {

  public PreferenceList {
    primaries = List.copyOf(primaries);
    replicas = List.copyOf(replicas);
    unavailablePrimaries = List.copyOf(unavailablePrimaries);
  }

  /** The fallbacks among {@link #replicas()}. */
  public List<Replica> fallbacks() {
    List<Replica> out = new ArrayList<>();
    for (Replica r : replicas) {
      if (r.isFallback()) {
        out.add(r);
      }
    }
    return out;
  }

  /** Whether every primary is alive. */
  public boolean allPrimariesAlive() {
    return unavailablePrimaries.isEmpty();
  }
}
