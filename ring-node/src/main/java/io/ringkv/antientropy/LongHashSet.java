package io.ringkv.antientropy;

/**
 * A set of longs by open addressing (linear probing), used while a tree layout is being rebuilt to
 * remember which keys are already accounted for: 16 bytes per key at the 0.5 load factor (16 MB for
 * 1M keys), freed when the rebuild ends. Not thread-safe; callers synchronize.
 */
final class LongHashSet {
  private static final long EMPTY = 0;
  private long[] slots;
  private int size;
  private boolean hasZero;

  LongHashSet(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    slots = new long[cap];
  }

  /** Adds {@code v}; true when it was not present. */
  boolean add(long v) {
    if (v == EMPTY) {
      boolean added = !hasZero;
      hasZero = true;
      return added;
    }
    if ((size + 1) * 2 > slots.length) {
      grow();
    }
    int mask = slots.length - 1;
    int i = (int) ObjectDigest.mix(v) & mask;
    while (slots[i] != EMPTY) {
      if (slots[i] == v) {
        return false;
      }
      i = (i + 1) & mask;
    }
    slots[i] = v;
    size++;
    return true;
  }

  boolean contains(long v) {
    if (v == EMPTY) {
      return hasZero;
    }
    int mask = slots.length - 1;
    int i = (int) ObjectDigest.mix(v) & mask;
    while (slots[i] != EMPTY) {
      if (slots[i] == v) {
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  int size() {
    return size + (hasZero ? 1 : 0);
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    size = 0;
    for (long v : old) {
      if (v != EMPTY) {
        add(v);
      }
    }
  }
}
