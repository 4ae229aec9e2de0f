package io.ringkv.gossip;

import java.util.Objects;

/**
 * The (generation, version) a node knows of a member, and the version its heavy state (endpoint,
 * tokens, status) dates from: what a gossip Syn advertises, and, sent back, a heartbeat. A generation
 * of -1 means "unknown member" in an Ack's requests.
 */
public record Digest(String id, long generation, long version, long stateVersion) {
  public Digest {
    Objects.requireNonNull(id, "id");
  }

  /** The digest asking for a member this node does not know. */
  public static Digest unknown(String id) {
    return new Digest(id, -1, -1, -1);
  }

  /** Whether this digest names a strictly newer state than (generation, version). */
  public boolean isNewerThan(long otherGeneration, long otherVersion) {
    return Member.compareVersions(generation, version, otherGeneration, otherVersion) > 0;
  }
}
