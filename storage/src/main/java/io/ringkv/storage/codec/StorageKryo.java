package io.ringkv.storage.codec;

import com.esotericsoftware.kryo.Kryo;
import io.ringkv.storage.causality.Dot;
import io.ringkv.storage.causality.VersionVector;
import io.ringkv.storage.causality.VersionedObject;

/**
 * Registers the storage types with a {@link Kryo} instance under fixed ids, so that every node and
 * every version of the code agrees on them. The storage module owns ids 100..119:
 *
 * <table>
 *   <caption>Kryo registration ids owned by the storage module</caption>
 *   <tr><th>id</th><th>class</th><th>serializer</th></tr>
 *   <tr><td>100</td><td>{@link VersionVector}</td><td>{@link VersionVectorSerializer}</td></tr>
 *   <tr><td>101</td><td>{@link VersionedObject}</td><td>{@link VersionedObjectSerializer}</td></tr>
 *   <tr><td>102</td><td>{@link Dot}</td><td>{@link DotSerializer}</td></tr>
 *   <tr><td>103..119</td><td colspan="2">reserved for storage; never reuse an id for another class</td></tr>
 * </table>
 *
 * Kryo instances are not thread-safe: keep one per thread or borrow from a
 * {@link com.esotericsoftware.kryo.util.Pool}, as {@link RecordCodec} does.
 */
public final class StorageKryo {
  static {
    // As in protocol's Messages: keep Kryo from loading its sun.misc.Unsafe helper (a JDK 24+ warning).
    if (System.getProperty("kryo.unsafe") == null) {
      System.setProperty("kryo.unsafe", "false");
    }
  }

  public static final int VERSION_VECTOR_ID = 100;
  public static final int VERSIONED_OBJECT_ID = 101;
  public static final int DOT_ID = 102;
  /** First and last id of the range owned by the storage module. */
  public static final int FIRST_ID = 100;
  public static final int LAST_ID = 119;

  private StorageKryo() {}

  /** Registers the storage types on {@code kryo} and returns it. */
  public static Kryo register(Kryo kryo) {
    kryo.register(VersionVector.class, new VersionVectorSerializer(), VERSION_VECTOR_ID);
    kryo.register(VersionedObject.class, new VersionedObjectSerializer(), VERSIONED_OBJECT_ID);
    kryo.register(Dot.class, new DotSerializer(), DOT_ID);
    return kryo;
  }

  /** A new Kryo that requires registration, tracks no references, and knows the storage types. */
  public static Kryo newKryo() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    return register(kryo);
  }
}
