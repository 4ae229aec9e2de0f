package io.ringkv.antientropy;

import io.ringkv.storage.StorageException;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.codec.RecordCodec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The append-only file behind a durable {@link PurgeLog} ({@value #FILE} in the node's data directory).
 *
 * <p>Record: {@code int magic, byte op, long purgedAtMs, int keyLength, int contextLength, key, context,
 * int crc32c}, big-endian; the CRC covers every byte before it. {@code op} is {@link #PURGE} (the key was
 * purged with this causal context) or {@link #FORGET} (the key was stored again, or its prepared purge did
 * not happen; no context). The context is the {@link RecordCodec} form of a bare-context object (a
 * format-version byte, then the Kryo version vector), the codec of the object store itself.
 *
 * <p>Recovery ({@link #scan}): records are read in order until the file ends. A record whose CRC fails
 * but whose lengths are plausible and which is followed by the end of the file or another record's
 * magic is skipped (counted); any other damage (torn append, garbage length, foreign bytes) ends the scan:
 * the rest of the file is the torn tail, which the caller truncates. Lengths are bounded
 * ({@link #KEY_BYTES_MAX}, {@link #CONTEXT_BYTES_MAX}) before anything is allocated.
 *
 * <p>Appends are positional writes at the end under this object's monitor; a failed write leaves the end
 * where it was, so the next append overwrites the partial bytes. {@link #sync} forces the file to disk.
 * {@link #rewrite} replaces the file atomically (temporary file, fsync, rename, fsync of the directory);
 * appends made while it writes the new file are carried over to it.
 */
final class PurgeLogFile implements AutoCloseable {
  static final String FILE = "purged.log";

  static final byte PURGE = 1;
  static final byte FORGET = 2;

  /** Longest key a record may hold (1 MiB; the store refuses keys over {@code keyBytesMax}, 1 KiB by default). */
  static final int KEY_BYTES_MAX = 1 << 20;
  /** Longest encoded context (1 MiB; a version vector decodes to at most 1,024 entries of 255-byte ids, ~270 KB). */
  static final int CONTEXT_BYTES_MAX = 1 << 20;

  static final int MAGIC = 0x524b5031; // "RKP1"
  static final int HEADER_BYTES = 4 + 1 + 8 + 4 + 4;
  static final int CRC_BYTES = 4;

  /** One record of the file. {@code context} is null for {@link #FORGET}. */
  record Entry(byte op, byte[] key, VersionVector context, long purgedAtMs) {
    static Entry purge(byte[] key, VersionVector context, long purgedAtMs) {
      return new Entry(PURGE, key, context, purgedAtMs);
    }

    static Entry forget(byte[] key) {
      return new Entry(FORGET, key, null, 0);
    }
  }

  /**
   * What a {@link #scan} found.
   *
   * @param records valid records read
   * @param validBytes bytes up to the end of the last valid record (where the torn tail starts)
   * @param tailBytes bytes after it, dropped
   * @param corruptRecords records skipped because their CRC (or their context) was damaged
   */
  record Scan(long records, long validBytes, long tailBytes, int corruptRecords) {}

  private final Path path;
  private FileChannel channel;
  private long size;
  private long records;
  /** Appends made while {@link #rewrite} writes the new file; null when no rewrite runs. */
  private List<byte[]> carried;
  private boolean closed;

  private PurgeLogFile(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    this.size = channel.size();
  }

  /** Opens (creating if needed) the file; a temporary file left by a rewrite that died is deleted. */
  static PurgeLogFile open(Path path) throws IOException {
    Files.deleteIfExists(tempOf(path));
    return new PurgeLogFile(path, FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE));
  }

  private static Path tempOf(Path path) {
    return path.resolveSibling(path.getFileName() + ".tmp");
  }

  Path path() {
    return path;
  }

  /** Records in the file (valid ones found by the scan, plus those appended since or carried by a rewrite). */
  synchronized long records() {
    return records;
  }

  synchronized long bytes() {
    return size;
  }

  /**
   * Reads every valid record in order (see the class comment for what is skipped and where the scan
   * stops). Call once, right after {@link #open}, before any append.
   */
  synchronized Scan scan(Consumer<Entry> visitor) throws IOException {
    long fileBytes = channel.size();
    long at = 0;
    long valid = 0;
    int corrupt = 0;
    channel.position(0);
    // not closed: closing a channel's stream closes the channel
    DataInputStream in = new DataInputStream(new BufferedInputStream(uncloseable(Channels.newInputStream(channel)),
        1 << 16));
    byte[] header = new byte[HEADER_BYTES];
    while (fileBytes - at >= HEADER_BYTES + CRC_BYTES) {
      in.readFully(header);
      ByteBuffer h = ByteBuffer.wrap(header);
      int magic = h.getInt();
      byte op = h.get();
      long purgedAtMs = h.getLong();
      int keyLength = h.getInt();
      int contextLength = h.getInt();
      if (magic != MAGIC || (op != PURGE && op != FORGET) || keyLength < 0 || keyLength > KEY_BYTES_MAX
          || contextLength < 0 || contextLength > CONTEXT_BYTES_MAX || (op == FORGET && contextLength != 0)) {
        break;
      }
      long entryBytes = (long) HEADER_BYTES + keyLength + contextLength + CRC_BYTES;
      if (at + entryBytes > fileBytes) {
        break;
      }
      byte[] body = new byte[keyLength + contextLength + CRC_BYTES];
      in.readFully(body);
      CRC32C crc = new CRC32C();
      crc.update(header);
      crc.update(body, 0, keyLength + contextLength);
      boolean crcOk = (int) crc.getValue() == ByteBuffer.wrap(body, keyLength + contextLength, CRC_BYTES).getInt();
      Entry entry = crcOk ? decode(op, purgedAtMs, body, keyLength, contextLength) : null;
      if (entry == null) {
        // a damaged record: skip it only if the next record (or the end of the file) is where its length says
        if (at + entryBytes != fileBytes && !nextIsMagic(in, fileBytes - at - entryBytes)) {
          break;
        }
        corrupt++;
      } else {
        visitor.accept(entry);
        records++;
      }
      at += entryBytes;
      valid = at;
    }
    return new Scan(records, valid, fileBytes - valid, corrupt);
  }

  private static Entry decode(byte op, long purgedAtMs, byte[] body, int keyLength, int contextLength) {
    byte[] key = Arrays.copyOfRange(body, 0, keyLength);
    if (op == FORGET) {
      return Entry.forget(key);
    }
    try {
      VersionedObject o = RecordCodec.decode(Arrays.copyOfRange(body, keyLength, keyLength + contextLength));
      return Entry.purge(key, o.context(), purgedAtMs);
    } catch (StorageException e) {
      return null;
    }
  }

  private static boolean nextIsMagic(DataInputStream in, long remaining) throws IOException {
    if (remaining < 4) {
      return false;
    }
    in.mark(4);
    int next;
    try {
      next = in.readInt();
    } catch (EOFException e) {
      return false;
    }
    in.reset();
    return next == MAGIC;
  }

  private static InputStream uncloseable(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public void close() {
        // the channel stays open
      }
    };
  }

  /** Cuts the file at {@code bytes} (the end of the last valid record after a {@link #scan}). */
  synchronized void truncate(long bytes) throws IOException {
    channel.truncate(bytes);
    size = bytes;
  }

  /** Encodes one record. */
  static byte[] encode(Entry e) {
    if (e.key().length > KEY_BYTES_MAX) {
      throw new IllegalArgumentException("key of " + e.key().length + " bytes is over KEY_BYTES_MAX=" + KEY_BYTES_MAX);
    }
    byte[] context = e.op() == PURGE ? RecordCodec.encode(VersionedObject.of(e.context(), List.of())) : new byte[0];
    if (context.length > CONTEXT_BYTES_MAX) {
      throw new IllegalArgumentException("context of " + context.length + " bytes is over CONTEXT_BYTES_MAX="
          + CONTEXT_BYTES_MAX);
    }
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + e.key().length + context.length + CRC_BYTES);
    buf.putInt(MAGIC).put(e.op()).putLong(e.purgedAtMs()).putInt(e.key().length).putInt(context.length)
        .put(e.key()).put(context);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /** Appends records (page cache only: {@link #sync} makes them durable). */
  void append(List<Entry> entries) throws IOException {
    List<byte[]> encoded = new ArrayList<>(entries.size());
    int total = 0;
    for (Entry e : entries) {
      byte[] b = encode(e);
      encoded.add(b);
      total += b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(total);
    for (byte[] b : encoded) {
      buf.put(b);
    }
    buf.flip();
    synchronized (this) {
      long at = size;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      size = at;
      records += entries.size();
      if (carried != null) {
        carried.addAll(encoded);
      }
    }
  }

  /** Forces every append so far to disk (fdatasync). */
  void sync() throws IOException {
    FileChannel ch;
    synchronized (this) {
      ch = channel;
    }
    ch.force(false);
  }

  /**
   * Replaces the file by one holding {@code live} (taken under this object's monitor, so an append is
   * either in the snapshot's source state or carried over) and every record appended meanwhile. Atomic:
   * a crash leaves the old file or the new one.
   */
  void rewrite(Supplier<List<Entry>> live) throws IOException {
    List<Entry> snapshot;
    synchronized (this) {
      if (carried != null) {
        throw new IllegalStateException("a rewrite of " + path + " is already running");
      }
      carried = new ArrayList<>();
      snapshot = live.get();
    }
    Path tmp = tempOf(path);
    FileChannel out = null;
    boolean installed = false;
    try {
      out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.READ, StandardOpenOption.WRITE);
      // not closed: closing the stream would close the channel, which becomes the log's channel
      OutputStream os = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
      for (Entry e : snapshot) {
        os.write(encode(e));
      }
      os.flush();
      out.force(true);
      synchronized (this) {
        if (closed) {
          throw new ClosedChannelException();
        }
        for (byte[] b : carried) {
          os.write(b);
        }
        os.flush();
        if (!carried.isEmpty()) {
          out.force(true);
        }
        // the open channel follows the file through the rename: appends never go to an unlinked file
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        installed = true;
        syncDirectory(path.toAbsolutePath().getParent());
        FileChannel old = channel;
        channel = out;
        size = out.size();
        records = snapshot.size() + carried.size();
        old.close();
      }
    } finally {
      synchronized (this) {
        carried = null;
      }
      if (!installed) {
        if (out != null) {
          out.close();
        }
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** Makes a rename durable (Linux: fsync of the directory). Not every platform can open a directory. */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory; its rename is durable enough for this purpose
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      channel.close();
    }
  }
}
