package io.ringkv.storage.chronicle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A redo journal for the Chronicle object map. Chronicle Map overwrites a record in place when the
 * new record needs no more chunks than the old one; a process killed in the middle of that copy
 * leaves a torn entry, which recovery drops (checksum mismatch) or keeps garbled, losing the key's
 * last acknowledged state. So before each change of the map the engine appends the change here
 * (the full new record, or a removal), under the same segment lock, and after a crash replays the
 * journal: for every key it journaled, the map gets the key's last journaled state.
 *
 * <p>Entry: {@code int magic, byte op, int keyLength, int recordLength, key, record, int crc32c}.
 * A torn append (the kill hit the journal write itself) fails its CRC; the scan stops there, which is
 * correct because that change never reached the map.
 *
 * <p>The journal is emptied at checkpoints: when it grows over {@link #BYTES_MAX} (and on a clean
 * close, and after a replay) the engine waits until no change is in flight and truncates it; every
 * journaled change is then in the map. Writes go to the page cache only, like the map: this protects
 * against the death of the process, not of the machine.
 */
final class RedoJournal implements AutoCloseable {
  /** Journal size that triggers a checkpoint (64 MiB: a short pause to truncate, rarely). */
  static final long BYTES_MAX = 64L * 1024 * 1024;

  static final String FILE = "objects.journal";

  private static final int MAGIC = 0x524b4a31; // "RKJ1"
  private static final byte PUT = 1;
  private static final byte REMOVE = 2;
  private static final int HEADER_BYTES = 4 + 1 + 4 + 4;

  private final FileChannel channel;
  private long size;

  private RedoJournal(FileChannel channel, long size) {
    this.channel = channel;
    this.size = size;
  }

  static RedoJournal open(Path dataDir) throws IOException {
    FileChannel ch = FileChannel.open(dataDir.resolve(FILE),
        StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new RedoJournal(ch, ch.size());
  }

  synchronized void put(byte[] key, byte[] record) throws IOException {
    append(PUT, key, record);
  }

  synchronized void remove(byte[] key) throws IOException {
    append(REMOVE, key, new byte[0]);
  }

  synchronized long size() {
    return size;
  }

  private void append(byte op, byte[] key, byte[] record) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + key.length + record.length + 4);
    buf.putInt(MAGIC).put(op).putInt(key.length).putInt(record.length).put(key).put(record);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    buf.flip();
    long at = size;
    while (buf.hasRemaining()) {
      at += channel.write(buf, at);
    }
    size = at;
  }

  /**
   * The last journaled state of every key, in journal order: a record, or null for a removal.
   * Stops at the first torn or foreign entry.
   */
  synchronized Map<ByteArrayKey, byte[]> lastStates() throws IOException {
    Map<ByteArrayKey, byte[]> states = new LinkedHashMap<>();
    long fileSize = channel.size();
    long at = 0;
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    while (at + HEADER_BYTES + 4 <= fileSize) {
      header.clear();
      readFully(header, at);
      header.flip();
      int magic = header.getInt();
      byte op = header.get();
      int keyLength = header.getInt();
      int recordLength = header.getInt();
      long entryBytes = (long) HEADER_BYTES + keyLength + recordLength + 4;
      if (magic != MAGIC || (op != PUT && op != REMOVE) || keyLength < 0 || recordLength < 0
          || at + entryBytes > fileSize) {
        break;
      }
      ByteBuffer entry = ByteBuffer.allocate((int) entryBytes);
      readFully(entry, at);
      CRC32C crc = new CRC32C();
      crc.update(entry.array(), 0, (int) entryBytes - 4);
      if ((int) crc.getValue() != ByteBuffer.wrap(entry.array(), (int) entryBytes - 4, 4).getInt()) {
        break;
      }
      byte[] key = Arrays.copyOfRange(entry.array(), HEADER_BYTES, HEADER_BYTES + keyLength);
      byte[] record = op == PUT
          ? Arrays.copyOfRange(entry.array(), HEADER_BYTES + keyLength, HEADER_BYTES + keyLength + recordLength)
          : null;
      ByteArrayKey k = new ByteArrayKey(key);
      states.remove(k);
      states.put(k, record);
      at += entryBytes;
    }
    return states;
  }

  /** Empties the journal; the caller guarantees every journaled change is in the map. */
  synchronized void truncate() throws IOException {
    channel.truncate(0);
    size = 0;
  }

  private void readFully(ByteBuffer buf, long at) throws IOException {
    long pos = at;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new IOException("journal ended early at " + pos);
      }
      pos += n;
    }
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }

  /** A byte[] with content equality, for the replay's per-key map. */
  record ByteArrayKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteArrayKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return bytes.length + " bytes";
    }
  }
}
