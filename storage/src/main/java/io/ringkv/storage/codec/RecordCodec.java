package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.causality.VersionedObject;

/**
 * The on-disk form of a stored object: one format-version byte, then the object as written by
 * {@link VersionedObjectSerializer}. The version byte lets a later release change the layout and still
 * read old files; a record with an unknown version is refused with a message naming the version.
 *
 * <p>Thread-safe: each thread uses its own Kryo instance.
 */
public final class RecordCodec {
  /** The format written by this code. */
  public static final byte FORMAT_VERSION = 2; // 2: siblings carry write ids (and, flagged, superseded write ids)

  /** Initial encode buffer; it grows as needed (a small object with one short value fits). */
  private static final int INITIAL_BUFFER_BYTES = 256;

  /** One Kryo per thread: the storage threads are few and fixed, and a thread-local takes no lock. */
  private static final ThreadLocal<Kryo> KRYOS = ThreadLocal.withInitial(StorageKryo::newKryo);

  private RecordCodec() {}

  public static byte[] encode(VersionedObject object) {
    Kryo kryo = KRYOS.get();
    // sized for the whole record up front: one allocation, no doubling (the profile found a multi-KB
    // object growing a 256-byte buffer several times on every replica write)
    long estimate = 32 + object.valueBytes() + 24L * object.allSiblings().size() + 16L * object.context().size()
        + 12L * object.superseded().size();
    Output out = new Output((int) Math.min(Math.max(INITIAL_BUFFER_BYTES, estimate), 1 << 26), -1);
    try {
      out.writeByte(FORMAT_VERSION);
      kryo.writeObject(out, object);
      return out.toBytes();
    } finally {
      kryo.reset();
    }
  }

  /**
   * Decodes a record written by {@link #encode}.
   *
   * @throws StorageException when the version is unknown or the bytes are not a valid record
   */
  public static VersionedObject decode(byte[] record) {
    if (record == null || record.length == 0) {
      throw new StorageException("corrupt record: empty, expected a format-version byte");
    }
    if (record[0] != FORMAT_VERSION) {
      throw new StorageException("unknown record format version " + (record[0] & 0xff)
          + " (this build reads version " + FORMAT_VERSION + ")");
    }
    Kryo kryo = KRYOS.get();
    try {
      Input in = new Input(record, 1, record.length - 1);
      VersionedObject object = kryo.readObject(in, VersionedObject.class);
      if (in.position() != record.length) {
        throw new StorageException("corrupt record: " + (record.length - in.position())
            + " trailing bytes after the object");
      }
      return object;
    } catch (KryoException | IllegalArgumentException e) {
      throw new StorageException("corrupt record (" + record.length + " bytes): " + e.getMessage(), e);
    } finally {
      kryo.reset();
    }
  }
}
