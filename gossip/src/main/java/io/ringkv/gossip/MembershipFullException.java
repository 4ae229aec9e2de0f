package io.ringkv.gossip;

/** A membership view would grow beyond {@link MembershipView#MAX_MEMBERS}. */
public final class MembershipFullException extends IllegalStateException {
  public MembershipFullException(String message) {
    super(message);
  }
}
