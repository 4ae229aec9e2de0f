package io.ringkv.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Serializers for the variable-length types of the wire format that never trust a decoded length:
 * Kryo's stock byte[], String and collection serializers allocate whatever length the input claims
 * (up to 2 GiB) before reading it, so a few garbage bytes could cost an OutOfMemoryError. These check
 * every length against the bytes left in the (bounded) frame first.
 *
 * <p>Formats: byte[] and String are a varint {@code length + 1} (0 is null) followed by the bytes
 * (UTF-8 for strings); a list is a varint size followed by each element with its class id.
 */
public final class WireSerializers {
  private WireSerializers() {}

  /**
   * Kryo's resolver, minus class names: an id of 1 on the wire means "class name follows", which Kryo
   * reads (allocating whatever length it claims) before noticing the class is not registered. Only
   * registered ids are valid here, so a name is refused before it is read.
   */
  static final class IdOnlyClassResolver extends DefaultClassResolver {
    @Override
    protected Registration readName(Input input) {
      throw new KryoException("class names are not accepted on the wire, only registered class ids");
    }
  }

  /** Bytes left in the frame being decoded; inputs are always over a whole frame's byte array. */
  public static int remaining(Input input) {
    return input.limit() - input.position();
  }

  public static int checkedLength(Input input, String what) {
    int lengthPlusOne = input.readVarInt(true);
    if (lengthPlusOne == 0) {
      return -1;
    }
    int length = lengthPlusOne - 1;
    if (length < 0 || length > remaining(input)) {
      throw new KryoException(what + " of " + length + " bytes is longer than the " + remaining(input)
          + " bytes left in the frame");
    }
    return length;
  }

  static final class Bytes extends Serializer<byte[]> {
    Bytes() {
      setAcceptsNull(true);
      setImmutable(false);
    }

    @Override
    public void write(Kryo kryo, Output output, byte[] bytes) {
      if (bytes == null) {
        output.writeVarInt(0, true);
        return;
      }
      output.writeVarInt(bytes.length + 1, true);
      output.writeBytes(bytes);
    }

    @Override
    public byte[] read(Kryo kryo, Input input, Class<? extends byte[]> type) {
      int length = checkedLength(input, "byte array");
      return length < 0 ? null : input.readBytes(length);
    }

    @Override
    public byte[] copy(Kryo kryo, byte[] original) {
      return original.clone();
    }
  }

  /** Writes a string in the wire's bounded form (varint length + 1, then UTF-8; 0 for null). */
  public static void writeString(Output output, String s) {
    if (s == null) {
      output.writeVarInt(0, true);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    output.writeVarInt(utf8.length + 1, true);
    output.writeBytes(utf8);
  }

  /**
   * Reads a string written by {@link #writeString}, refusing a length beyond the frame before
   * allocating anything (Kryo's own {@code readString} allocates whatever length the bytes claim).
   */
  public static String readString(Input input) {
    int length = checkedLength(input, "string");
    return length < 0 ? null : new String(input.readBytes(length), StandardCharsets.UTF_8);
  }

  static final class Utf8String extends Serializer<String> {
    Utf8String() {
      setAcceptsNull(true);
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, String s) {
      writeString(output, s);
    }

    @Override
    public String read(Kryo kryo, Input input, Class<? extends String> type) {
      return readString(input);
    }
  }

  /**
   * Every {@link List} implementation that records may carry (ArrayList, List.of, Arrays.asList,
   * unmodifiable views); all decode to an {@link ArrayList}. Elements carry their class ids.
   */
  static final class BoundedList extends Serializer<List<?>> {
    BoundedList() {
      setAcceptsNull(false);
    }

    @Override
    public void write(Kryo kryo, Output output, List<?> list) {
      output.writeVarInt(list.size(), true);
      for (Object element : list) {
        kryo.writeClassAndObject(output, element);
      }
    }

    @Override
    public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
      int size = input.readVarInt(true);
      // Every element takes at least one byte (its class id or null marker).
      if (size < 0 || size > remaining(input)) {
        throw new KryoException("list of " + size + " elements is longer than the " + remaining(input)
            + " bytes left in the frame");
      }
      List<Object> list = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        list.add(kryo.readClassAndObject(input));
      }
      return list;
    }
  }
}
