package io.ringkv.storage;

/** A write refused because the store has no room left. The message names the setting to raise. */
public class StoreFullException extends StorageException {
  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
