package io.ringkv.cli;

import java.util.List;

/** Stands in for io.ringkv.node.NodeMain: remembers the arguments it was started with. */
public final class RecordingNodeMain {
  static volatile List<String> lastArgs;

  private RecordingNodeMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("--fail")) {
      throw new IllegalStateException("node refused to start: replication factor 3 differs from the cluster's 2");
    }
    lastArgs = List.of(args);
  }
}
