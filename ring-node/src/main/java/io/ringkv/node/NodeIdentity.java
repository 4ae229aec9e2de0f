package io.ringkv.node;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Who a node is, persisted in its data directory ({@code node.properties}) so that a restarted node
 * comes back as itself: the same id and ring tokens, the cluster it belongs to, and a generation
 * that grows on every start (gossip uses it to tell a restart from a stale state).
 *
 * <p>Written with write-to-temp, fsync, atomic rename, so a crash leaves the old file or the new one.
 */
public record NodeIdentity(String id, String clusterName, int replicationFactor, long generation, List<Long> tokens) {
  static final String FILE = "node.properties";

  public NodeIdentity {
    tokens = List.copyOf(tokens);
  }

  /** The identity stored in {@code dataDir}, or null when the directory holds none yet. */
  public static NodeIdentity load(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    try {
      List<Long> tokens = new ArrayList<>();
      String t = p.getProperty("tokens", "").trim();
      if (!t.isEmpty()) {
        for (String s : t.split(",")) {
          tokens.add(Long.parseLong(s.trim()));
        }
      }
      return new NodeIdentity(require(p, "id", file), require(p, "clusterName", file),
          Integer.parseInt(require(p, "replicationFactor", file)), Long.parseLong(require(p, "generation", file)),
          tokens);
    } catch (NumberFormatException e) {
      throw new IOException(file + " is corrupt: " + e.getMessage(), e);
    }
  }

  private static String require(Properties p, String key, Path file) throws IOException {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IOException(file + " has no '" + key + "'");
    }
    return v.trim();
  }

  /**
   * The identity of the next start: its generation is the start time in epoch seconds, or one more than
   * the last when the clock is behind it (as Cassandra's generation). A node that comes back with the
   * same id but a wiped data dir (a rejoin after LEAVE or REMOVE) thus outranks the departed node's
   * state in every peer's view, where a restart counter would start again at 1 and lose to it.
   */
  public NodeIdentity nextGeneration(long nowEpochSeconds) {
    return new NodeIdentity(id, clusterName, replicationFactor, Math.max(generation + 1, nowEpochSeconds), tokens);
  }

  public NodeIdentity withTokens(List<Long> newTokens) {
    return new NodeIdentity(id, clusterName, replicationFactor, generation, newTokens);
  }

  public void store(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Properties p = new Properties();
    p.setProperty("id", id);
    p.setProperty("clusterName", clusterName);
    p.setProperty("replicationFactor", Integer.toString(replicationFactor));
    p.setProperty("generation", Long.toString(generation));
    StringBuilder t = new StringBuilder();
    for (Long token : tokens) {
      if (t.length() > 0) {
        t.append(',');
      }
      t.append(token);
    }
    p.setProperty("tokens", t.toString());
    Path tmp = dataDir.resolve(FILE + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "ringkv node identity: do not edit while the node runs");
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
