package io.ringkv.client;

import java.util.List;

/** Connection events, for a REPL or an application that wants to show them. Called off the caller's thread. */
public interface ClientListener {
  /** The client switched to another node because its node stopped answering. */
  default void onReconnected(NodeAddress now, ClusterInfo info) {}

  /** The warnings in the heartbeat changed (e.g. the live cluster became smaller than N). */
  default void onWarningsChanged(List<String> warnings) {}
}
