package io.ringkv.security;

import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.KeysRequest;
import io.ringkv.protocol.ClientMessages.StatsRequest;
import io.ringkv.protocol.ClientMessages.StopNodeRequest;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.RemoveNodeRequest;
import io.ringkv.protocol.ClientMessages.VerifyRequest;
import io.ringkv.protocol.ClientMessages.WhereRequest;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Request;
import java.util.Map;
import java.util.Set;

/**
 * The client requests a node serves and the role each needs: the one table that decides both. The
 * native port refuses any other message from a client ({@link #isClientRequest}) before it reaches the
 * node, and HTTP goes through the same check; a new client command is closed until someone adds it here.
 */
public final class Permissions {
  private static final Map<Class<? extends Request>, Role> CLIENT_REQUESTS = Map.ofEntries(
      Map.entry(GetRequest.class, Role.READ),
      Map.entry(WhereRequest.class, Role.READ),
      Map.entry(InfoRequest.class, Role.READ),
      Map.entry(KeysRequest.class, Role.READ),
      Map.entry(StatsRequest.class, Role.READ),
      Map.entry(PutRequest.class, Role.READWRITE),
      Map.entry(DeleteRequest.class, Role.READWRITE),
      Map.entry(RemoveNodeRequest.class, Role.ADMIN),
      Map.entry(LeaveRequest.class, Role.ADMIN),
      Map.entry(VerifyRequest.class, Role.ADMIN),
      Map.entry(StopNodeRequest.class, Role.ADMIN));

  private Permissions() {}

  /** Whether a client may send {@code m} at all (node-to-node messages and replies are not client requests). */
  public static boolean isClientRequest(Message m) {
    return CLIENT_REQUESTS.containsKey(m.getClass());
  }

  /** The client request types, for checks that every one is served. */
  public static Set<Class<? extends Request>> clientRequestTypes() {
    return CLIENT_REQUESTS.keySet();
  }

  /** The role {@code request} needs; {@link Role#ADMIN} for anything not in the table. */
  public static Role required(Request request) {
    return CLIENT_REQUESTS.getOrDefault(request.getClass(), Role.ADMIN);
  }

  /** The one-line refusal, e.g. {@code permission denied (admin role required)}. */
  public static String denied(Role required) {
    return "permission denied (" + required.wireName() + " role required)";
  }
}
