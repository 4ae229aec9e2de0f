package io.ringkv.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The users file: one user per line, {@code NAME ROLE HASH} separated by spaces ({@link PasswordHash#encode}),
 * {@code #} starts a comment. Written by {@code ringkv users add} (atomically, mode 600) and given to every
 * node with {@code --users-file}; nodes re-read it when it changes (see {@link Authenticator}).
 *
 * <p>Bounds: at most {@link #USERS_MAX} users and {@link #FILE_BYTES_MAX} bytes, so a wrong path (a data
 * file) fails with a message instead of filling the heap.
 */
public final class UsersFile {
  /** Users one file may hold (default 10,000: far above any operator's list, small in memory). */
  public static final int USERS_MAX = 10_000;
  /** Largest users file read (default 4 MiB: 10,000 lines of ~120 bytes with room to spare). */
  public static final long FILE_BYTES_MAX = 4L << 20;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** One user. */
  public record User(String name, Role role, PasswordHash hash) {
    public User {
      checkName(name);
    }
  }

  private UsersFile() {}

  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("user name must be 1-64 letters, digits, '.', '_', '@' or '-', got '" + name
          + "'");
    }
  }

  /** The users of {@code file} by name; an absent file has none. Throws naming the file and line. */
  public static Map<String, User> read(Path file) throws IOException {
    Map<String, User> users = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return users;
    }
    if (Files.size(file) > FILE_BYTES_MAX) {
      throw new IOException("users file " + file + " is over " + FILE_BYTES_MAX + " bytes");
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      try {
        if (f.length != 3) {
          throw new IllegalArgumentException("expected NAME ROLE HASH");
        }
        users.put(f[0], new User(f[0], Role.parse(f[1]), PasswordHash.decode(f[2])));
      } catch (IllegalArgumentException e) {
        throw new IOException("users file " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
      if (users.size() > USERS_MAX) {
        throw new IOException("users file " + file + " holds more than " + USERS_MAX + " users");
      }
    }
    return users;
  }

  /** Adds or replaces {@code user}, keeping the others; the file is replaced atomically, mode 600. */
  public static void put(Path file, User user) throws IOException {
    Map<String, User> users = read(file);
    users.put(user.name(), user);
    write(file, users);
  }

  /** Removes the user; returns false when there was none of that name. */
  public static boolean remove(Path file, String name) throws IOException {
    Map<String, User> users = read(file);
    if (users.remove(name) == null) {
      return false;
    }
    write(file, users);
    return true;
  }

  private static void write(Path file, Map<String, User> users) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# ringkv users: NAME ROLE PBKDF2-HASH (written by `ringkv users`; give every node the same file)");
    for (User u : users.values()) {
      lines.add(u.name() + " " + u.role().wireName() + " " + u.hash().encode());
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".users", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep its default
      }
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
