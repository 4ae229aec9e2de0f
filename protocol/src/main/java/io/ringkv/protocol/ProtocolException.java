package io.ringkv.protocol;

/**
 * Bytes that are not a valid ringkv message: a frame that does not decode, an unknown message id, a
 * message that does not fit its frame. The message names what was wrong, fit for a log line or an
 * {@link ClientMessages.ErrorReply} with {@link ErrorCode#PROTOCOL}.
 */
public class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
