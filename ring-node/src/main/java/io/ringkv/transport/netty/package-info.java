/**
 * The Netty network of a node: one {@link io.ringkv.transport.netty.NettyNetwork} (its threads), one
 * {@link io.ringkv.transport.netty.NettyServer} (clients and peers connect to it) and one
 * {@link io.ringkv.transport.netty.NettyTransport} (this node's outbound connections to peers), all
 * speaking the frames of {@link io.ringkv.protocol.WireCodec}.
 *
 * <p>Wiring a node:
 *
 * <pre>{@code
 * TransportConfig cfg = TransportConfig.DEFAULTS;
 * NettyNetwork network = new NettyNetwork(nodeId);                      // close last
 * NettyServer server = new NettyServer(network, cfg, nodeId, clusterName,
 *     bindHost, bindPort, clientRequestHandler).start();               // bindPort 0 in tests
 * Endpoint advertised = new Endpoint(advertisedHost, server.boundPort());
 * NettyTransport transport = new NettyTransport(network, server, cfg, nodeId, clusterName, advertised);
 * transport.start(peerHandler);                                         // peer messages from now on
 * ...
 * transport.close(); server.close(); network.close();
 * }</pre>
 *
 * Handlers are called on event-loop threads and must hand work off without blocking; replies to
 * clients go through the {@code Consumer<Reply>} (any thread), replies to peers through
 * {@link io.ringkv.transport.Transport#send} to the {@code from} endpoint.
 */
package io.ringkv.transport.netty;
