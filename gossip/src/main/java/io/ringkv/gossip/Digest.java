package io.ringkv.gossip;

import java.util.Objects;

/** The (generation, version) a node knows of a member: what a gossip Syn advertises. */
public record Digest(String id, long generation, long version) {
  public Digest {
    Objects.requireNonNull(id, "id");
  }

  /** Whether this digest names a strictly newer state than (generation, version). */
  public boolean isNewerThan(long otherGeneration, long otherVersion) {
    return Member.compareVersions(generation, version, otherGeneration, otherVersion) > 0;
  }
}
