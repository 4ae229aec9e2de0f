package io.ringkv.client;

/**
 * @param existed the key held a live value before the delete
 * @param acks replicas that acknowledged the delete
 */
public record DeleteResult(boolean existed, int acks) {}
