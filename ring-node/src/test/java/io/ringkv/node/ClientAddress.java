package io.ringkv.node;

import io.ringkv.client.NodeAddress;
import io.ringkv.gossip.Endpoint;
import java.util.List;

/** A node's gossip endpoint as the client's address type (the client jar knows no gossip types). */
public final class ClientAddress {
  private ClientAddress() {}

  public static NodeAddress of(Endpoint endpoint) {
    return new NodeAddress(endpoint.host(), endpoint.port());
  }

  public static List<NodeAddress> of(List<Endpoint> endpoints) {
    return endpoints.stream().map(ClientAddress::of).toList();
  }
}
