package io.ringkv.client;

/**
 * @param created the key held no live value before this write
 * @param acks replicas that acknowledged the write
 * @param context the context after the write
 */
public record PutResult(boolean created, int acks, CausalContext context) {}
