package io.ringkv.protocol;

/**
 * Everything that crosses a ringkv connection, client-to-node and node-to-node. Each concrete type is
 * registered with a fixed id in {@link Messages}; an unknown id is a protocol error.
 */
public interface Message {}
