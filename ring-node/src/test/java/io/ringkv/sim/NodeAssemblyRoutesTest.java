package io.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import io.ringkv.antientropy.AntiEntropyConfig;
import io.ringkv.internode.InternodeWire;
import io.ringkv.internode.PeerAuthMessages;
import io.ringkv.internode.ReplicaMessages.ReplicaAck;
import io.ringkv.node.RequestSettings;
import io.ringkv.protocol.Message;
import io.ringkv.transport.MessageRoutes;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The assembled node's one message table covers every node-to-node message type the wire knows. */
class NodeAssemblyRoutesTest {
  @Test
  void everyInternodeMessageTypeHasExactlyOneRoute() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    new InternodeWire().register(kryo);
    Set<String> expected = new TreeSet<>();
    for (int id = 0; id < 1024; id++) {
      Registration r = kryo.getClassResolver().getRegistration(id);
      if (r != null && Message.class.isAssignableFrom(r.getType())
          && r.getType().getEnclosingClass() != PeerAuthMessages.class) { // the handshake's, before any route
        expected.add(r.getType().getName());
      }
    }
    SimCluster c = new SimCluster(1, 1, RequestSettings.defaults(1), AntiEntropyConfig.DEFAULTS, 8);
    Set<String> routed = new TreeSet<>();
    for (Class<?> t : c.node(0).assembly.routes().types()) {
      if (t.getName().startsWith("io.ringkv.internode.") || !Message.class.isAssignableFrom(t)) {
        routed.add(t.getName());
      }
    }
    assertEquals(expected, routed, "internode types without a route, or routed but unknown to the wire");
  }

  @Test
  void aTypeRoutedTwiceIsAWiringMistake() {
    MessageRoutes routes = new MessageRoutes().on(ReplicaAck.class, (from, m) -> {});
    assertThrows(IllegalStateException.class, () -> routes.on(ReplicaAck.class, (from, m) -> {}));
  }
}
