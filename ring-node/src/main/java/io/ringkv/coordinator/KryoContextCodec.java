package io.ringkv.coordinator;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.codec.StorageKryo;

/**
 * Encodes a context as one version byte and the Kryo form of its version vector. The version byte
 * lets a later format coexist with contexts that clients still hold. Contexts are bounded in size
 * ({@link #CONTEXT_BYTES_MAX}) so a client cannot make a node decode an arbitrarily large blob.
 */
public final class KryoContextCodec implements ContextCodec {
  static final byte VERSION = 1;
  /** A vector has one entry per replica that ever coordinated a write of the key: 64 KiB is thousands. */
  public static final int CONTEXT_BYTES_MAX = 64 * 1024;

  private final Pool<Kryo> pool = new Pool<>(true, false, 16) {
    @Override
    protected Kryo create() {
      return StorageKryo.newKryo();
    }
  };

  @Override
  public byte[] encode(VersionVector context) {
    Kryo kryo = pool.obtain();
    try (Output out = new Output(64, CONTEXT_BYTES_MAX)) {
      out.writeByte(VERSION);
      kryo.writeObject(out, context);
      return out.toBytes();
    } finally {
      pool.free(kryo);
    }
  }

  @Override
  public VersionVector decode(byte[] bytes) {
    if (bytes.length > CONTEXT_BYTES_MAX) {
      throw new IllegalArgumentException("context is " + bytes.length + " bytes, over " + CONTEXT_BYTES_MAX);
    }
    if (bytes[0] != VERSION) {
      throw new IllegalArgumentException("unknown context format " + bytes[0]);
    }
    Kryo kryo = pool.obtain();
    try (Input in = new Input(bytes, 1, bytes.length - 1)) {
      VersionVector v = kryo.readObject(in, VersionVector.class);
      if (in.position() != bytes.length) {
        throw new IllegalArgumentException("trailing bytes after the context");
      }
      return v;
    } catch (KryoException | IllegalStateException e) {
      throw new IllegalArgumentException("undecodable context (" + e.getMessage() + ")", e);
    } finally {
      pool.free(kryo);
    }
  }
}
