package io.ringkv.coordinator;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Reply;
import java.util.ArrayList;
import java.util.List;

/**
 * What a coordinator wants done after one event: messages to send, at most one client reply over its
 * whole life, the time it next wants {@code onTimer} (or -1), and whether it is finished.
 */
public final class Step {
  /** A message to one replica. */
  public record Send(Endpoint to, Message message) {}

  final List<Send> sends = new ArrayList<>(4);
  Reply reply;
  long wakeAtMs = -1;
  boolean finished;
  int readRepairs;

  public List<Send> sends() {
    return sends;
  }

  /** The reply to the client, or null when this step does not answer it. */
  public Reply reply() {
    return reply;
  }

  public long wakeAtMs() {
    return wakeAtMs;
  }

  public boolean finished() {
    return finished;
  }

  /** How many read-repair merges this step sends. */
  public int readRepairs() {
    return readRepairs;
  }
}
