package io.ringkv.node;

/** Defaults that several places share. */
final class NodeDefaults {
  private NodeDefaults() {}

  /** Tokens per node; chosen from the balance measurements in docs/ARCHITECTURE.md. */
  static final int VNODES = io.ringkv.ring.TokenAllocator.DEFAULT_VNODES;
}
