package io.ringkv.transport.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-loop threads of one node, shared by its {@link NettyServer} and {@link NettyTransport} so
 * that a node has exactly one set of network threads: one acceptor thread and {@code ioThreads}
 * I/O threads (NIO). Create it, hand it to the server and the transport, close it last.
 */
public final class NettyNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyNetwork.class);

  /** I/O threads by default: the cores, at least 2 (one busy connection must not starve the rest). */
  public static final int DEFAULT_IO_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final EventLoopGroup acceptor;
  private final EventLoopGroup io;
  private final long shutdownTimeoutMs;

  /**
   * @param name thread-name prefix, e.g. the node id
   * @param ioThreads I/O event-loop threads ({@link #DEFAULT_IO_THREADS})
   * @param shutdownTimeoutMs how long {@link #close()} waits for the threads to stop
   */
  public NettyNetwork(String name, int ioThreads, long shutdownTimeoutMs) {
    if (ioThreads <= 0) {
      throw new IllegalArgumentException("ioThreads must be > 0, got " + ioThreads);
    }
    this.shutdownTimeoutMs = shutdownTimeoutMs;
    this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-accept", true),
        NioIoHandler.newFactory());
    this.io = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory(name + "-io", true),
        NioIoHandler.newFactory());
  }

  public NettyNetwork(String name) {
    this(name, DEFAULT_IO_THREADS, 5_000);
  }

  /** The accepting loop, shared by every listener of the node (native protocol, HTTP). */
  public EventLoopGroup acceptor() {
    return acceptor;
  }

  /** The I/O loops, shared by every listener and connection of the node. */
  public EventLoopGroup io() {
    return io;
  }

  /** Stops the threads, waiting at most the shutdown timeout; close the server and transport first. */
  @Override
  public void close() {
    Future<?> a = acceptor.shutdownGracefully(0, shutdownTimeoutMs, TimeUnit.MILLISECONDS);
    Future<?> b = io.shutdownGracefully(0, shutdownTimeoutMs, TimeUnit.MILLISECONDS);
    if (!a.awaitUninterruptibly(shutdownTimeoutMs) || !b.awaitUninterruptibly(shutdownTimeoutMs)) {
      log.warn("network threads did not stop within {} ms", shutdownTimeoutMs);
    }
  }
}
