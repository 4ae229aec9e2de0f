/**
 * The Java client of ringkv ({@code io.ringkv:ringkv-client}).
 *
 * <p>Start at {@link io.ringkv.client.RingkvClient#connect(ClientConfig)}: the client connects to the first
 * reachable seed, learns the other nodes from the heartbeat it sends every second, and fails over to another
 * node when its node stops answering. Every call returns a {@link java.util.concurrent.CompletableFuture}
 * (or, through {@link io.ringkv.client.RingkvClient#blocking()}, blocks) and fails with a
 * {@link io.ringkv.client.RingkvException} carrying the node's error code.
 *
 * <p>Causality: a read returns the value(s) of the key (several when writes were concurrent: siblings) and an
 * opaque {@link io.ringkv.client.CausalContext}. Send that context back with the next write or delete of the
 * key and the write replaces exactly what was read; a write without it is blind and becomes a sibling.
 *
 * <p>The jar depends on ringkv-protocol, Netty and the SLF4J API only; bring your own SLF4J binding. The
 * implementation ({@code NettyRingkvClient}) is package-private: the interfaces and records here are the API.
 */
package io.ringkv.client;
