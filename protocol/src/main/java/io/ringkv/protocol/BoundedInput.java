package io.ringkv.protocol;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo {@link Input} over one whole frame that refuses, before allocating, any read whose declared
 * length exceeds the bytes left in the frame. Kryo's own {@code readString} and {@code readBytes(n)}
 * allocate what the input claims (up to 2 GiB) first; with this input, every serializer in the
 * registry, including those of other modules, gets a {@link KryoException} instead of an
 * OutOfMemoryError on garbage.
 */
final class BoundedInput extends Input {
  BoundedInput(byte[] frame) {
    super(frame);
  }

  private int remaining() {
    return limit - position;
  }

  private void check(long count, String what) {
    if (count < 0 || count > remaining()) {
      throw new KryoException(what + " of " + count + " claimed, but only " + remaining()
          + " bytes are left in the frame");
    }
  }

  @Override
  public String readString() {
    int start = position;
    if (readVarIntFlag()) { // UTF-8 with a char count (ASCII strings are scanned, never pre-allocated)
      int charCountPlusOne = readVarIntFlag(true);
      check(Math.max(0L, (long) charCountPlusOne - 1), "string of chars"); // each char takes >= 1 byte
    }
    position = start;
    return super.readString();
  }

  @Override
  public StringBuilder readStringBuilder() {
    int start = position;
    if (readVarIntFlag()) {
      int charCountPlusOne = readVarIntFlag(true);
      check(Math.max(0L, (long) charCountPlusOne - 1), "string of chars");
    }
    position = start;
    return super.readStringBuilder();
  }

  @Override
  public byte[] readBytes(int length) {
    check(length, "byte array");
    return super.readBytes(length);
  }

  @Override
  public int[] readInts(int length) {
    check(length, "int array"); // a varint takes >= 1 byte
    return super.readInts(length);
  }

  @Override
  public int[] readInts(int length, boolean optimizePositive) {
    check(length, "int array");
    return super.readInts(length, optimizePositive);
  }

  @Override
  public long[] readLongs(int length) {
    check(length, "long array");
    return super.readLongs(length);
  }

  @Override
  public long[] readLongs(int length, boolean optimizePositive) {
    check(length, "long array");
    return super.readLongs(length, optimizePositive);
  }

  @Override
  public short[] readShorts(int length) {
    check(length * 2L, "short array");
    return super.readShorts(length);
  }

  @Override
  public char[] readChars(int length) {
    check(length * 2L, "char array");
    return super.readChars(length);
  }

  @Override
  public float[] readFloats(int length) {
    check(length * 4L, "float array");
    return super.readFloats(length);
  }

  @Override
  public double[] readDoubles(int length) {
    check(length * 8L, "double array");
    return super.readDoubles(length);
  }

  @Override
  public boolean[] readBooleans(int length) {
    check(length, "boolean array");
    return super.readBooleans(length);
  }
}
