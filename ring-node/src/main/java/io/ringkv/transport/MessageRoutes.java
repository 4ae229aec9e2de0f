package io.ringkv.transport;

import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.Message;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from a node message's type to the subsystem that handles it (the request path, gossip,
 * anti-entropy, a range transfer's serving side). Built once per node by {@code node.NodeAssembly}; the
 * transport delivers every inbound node message here, and a node's messages to itself come here too.
 *
 * <p>Keys are exact classes (every message type is a record, so final). A type routed twice is a wiring
 * mistake and fails at once; a type with no route is logged at DEBUG and dropped (a newer peer's message,
 * or one meant for a subsystem this node runs without, as the simulator's nodes without anti-entropy).
 * Handlers are called on the transport's threads and must not block: they enqueue on the core scheduler
 * or the storage executor. Filled while the node is assembled, read-only once it serves.
 */
public final class MessageRoutes implements Transport.PeerHandler {
  private static final Logger log = LoggerFactory.getLogger(MessageRoutes.class);

  private final Map<Class<?>, BiConsumer<Endpoint, Message>> routes = new LinkedHashMap<>();

  /** Routes messages of exactly {@code type} to {@code handler}. */
  public <T extends Message> MessageRoutes on(Class<T> type, BiConsumer<Endpoint, ? super T> handler) {
    BiConsumer<Endpoint, Message> h = (from, m) -> handler.accept(from, type.cast(m));
    if (routes.putIfAbsent(type, h) != null) {
      throw new IllegalStateException(type.getName() + " is routed twice: one handler per message type");
    }
    return this;
  }

  /** Routes every type of {@code types} to {@code handler} (a subsystem that dispatches by type itself). */
  public MessageRoutes on(Iterable<Class<? extends Message>> types, BiConsumer<Endpoint, Message> handler) {
    for (Class<? extends Message> t : types) {
      on(t, handler);
    }
    return this;
  }

  /** The routed types, in the order they were added. */
  public Set<Class<?>> types() {
    return Collections.unmodifiableSet(routes.keySet());
  }

  @Override
  public void onMessage(Endpoint from, Message message) {
    BiConsumer<Endpoint, Message> h = routes.get(message.getClass());
    if (h == null) {
      log.debug("no route for {} from {}: dropped", message.getClass().getSimpleName(), from);
      return;
    }
    h.accept(from, message);
  }
}
