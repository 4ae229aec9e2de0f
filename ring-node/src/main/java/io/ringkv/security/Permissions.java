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
import io.ringkv.protocol.Request;

/**
 * The role each client request needs: the one place that decides it. A request type not named here
 * needs {@link Role#ADMIN}, so a new command is closed until someone opens it on purpose.
 */
public final class Permissions {
  private Permissions() {}

  public static Role required(Request request) {
    if (request instanceof GetRequest || request instanceof WhereRequest || request instanceof InfoRequest
        || request instanceof KeysRequest || request instanceof StatsRequest) {
      return Role.READ;
    }
    if (request instanceof PutRequest || request instanceof DeleteRequest) {
      return Role.READWRITE;
    }
    if (request instanceof RemoveNodeRequest || request instanceof LeaveRequest || request instanceof VerifyRequest
        || request instanceof StopNodeRequest) {
      return Role.ADMIN;
    }
    return Role.ADMIN;
  }

  /** The one-line refusal, e.g. {@code permission denied (admin role required)}. */
  public static String denied(Role required) {
    return "permission denied (" + required.wireName() + " role required)";
  }
}
