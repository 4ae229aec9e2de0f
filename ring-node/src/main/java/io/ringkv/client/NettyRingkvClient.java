package io.ringkv.client;

/** The Netty implementation of {@link RingkvClient}. */
final class NettyRingkvClient {
  private NettyRingkvClient() {}

  static RingkvClient connect(ClientConfig config) {
    throw new UnsupportedOperationException("client transport arrives with the transport work");
  }
}
