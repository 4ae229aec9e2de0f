package io.ringkv.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.internode.ReplicaMessages.ReplicaRead;
import io.ringkv.internode.ReplicaMessages.ReplicaWrite;
import io.ringkv.protocol.ClientMessages;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.StopNodeRequest;
import io.ringkv.protocol.Request;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The one table of client requests: every client request type is in it, nothing from a peer is. */
class PermissionsTest {
  @Test
  void everyClientRequestTypeOfTheProtocolIsServedWithARole() {
    Set<Class<?>> protocol = Arrays.stream(ClientMessages.class.getDeclaredClasses())
        .filter(Request.class::isAssignableFrom).collect(Collectors.toSet());
    assertEquals(protocol, Set.copyOf(Permissions.clientRequestTypes()),
        "a client request type without a role (or a role for a type the protocol lacks)");
  }

  @Test
  void rolesAndWhatAClientMayNotSend() {
    assertEquals(Role.READ, Permissions.required(new GetRequest(1, new byte[] {1}, 0, 0, true)));
    assertEquals(Role.READWRITE, Permissions.required(new DeleteRequest(1, new byte[] {1}, null, 0, 0, 7, true)));
    assertEquals(Role.ADMIN, Permissions.required(new LeaveRequest(1, "n1")));
    assertEquals(Role.ADMIN, Permissions.required(new StopNodeRequest(1, "n1")));
    assertTrue(Permissions.isClientRequest(new GetRequest(1, new byte[] {1}, 0, 0, true)));
    assertFalse(Permissions.isClientRequest(new ReplicaRead(1, new byte[] {1})), "a peer's request");
    assertFalse(Permissions.isClientRequest(new HelloOk(3, "n1", "c")), "a reply");
    // a peer's request smuggled in by a client needs ADMIN at least, if it ever got this far
    assertEquals(Role.ADMIN, Permissions.required(new ReplicaWrite(1, new byte[] {1}, null, null, null, null, 0, 0)));
  }
}
