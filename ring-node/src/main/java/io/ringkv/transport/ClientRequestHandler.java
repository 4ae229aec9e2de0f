package io.ringkv.transport;

import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import java.util.function.Consumer;

/**
 * Receives client requests (GET, PUT, DELETE, INFO, WHERE) from the server. Called on a network
 * thread: implementations hand the request to the node's core and return at once, never blocking.
 * {@code reply} may be called once, from any thread; calling it after the connection closed is harmless.
 */
@FunctionalInterface
public interface ClientRequestHandler {
  void onRequest(Request request, Consumer<Reply> reply);
}
