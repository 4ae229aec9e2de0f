package io.ringkv.client;

import java.util.List;

/**
 * One page of KEYS, in unsigned byte order.
 *
 * @param keys at most the limit asked for, each at most once
 * @param more keys after the last one exist: ask again with {@code after} = the last key
 * @param unanswered nodes that were down or did not answer; a key held only by them is missing
 */
public record KeysPage(List<byte[]> keys, boolean more, List<String> unanswered) {
  public KeysPage {
    keys = List.copyOf(keys);
    unanswered = List.copyOf(unanswered);
  }
}
