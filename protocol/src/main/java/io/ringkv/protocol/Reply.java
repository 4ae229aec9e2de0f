package io.ringkv.protocol;

/** The answer to a {@link Request}; {@link #requestId()} names the request it answers. */
public interface Reply extends Message {
  long requestId();
}
