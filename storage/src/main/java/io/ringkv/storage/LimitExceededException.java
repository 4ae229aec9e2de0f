package io.ringkv.storage;

/** A write refused because a key, value or sibling count is over its limit. The message names the limit. */
public class LimitExceededException extends StorageException {
  public LimitExceededException(String message) {
    super(message);
  }
}
