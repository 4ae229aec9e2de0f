package io.ringkv.transport.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-loop threads of one node, shared by its {@link NettyServer} and {@link NettyTransport} so
 * that a node has exactly one set of network threads: one acceptor thread and {@code ioThreads}
 * I/O threads. Create it, hand it to the server and the transport, close it last.
 *
 * <p>Transport: Netty's native epoll on Linux when its library loads (edge-triggered, fewer copies and
 * syscalls than the JDK selector, no selector-wakeup lock: the profile of 2026-11-22 found threads blocked
 * on {@code EPollSelectorImpl}'s interrupt lock), else NIO; {@code -Dio.netty.transport.noNative=true}
 * forces NIO. Channels must be made with {@link #serverChannelClass()} and {@link #socketChannelClass()}
 * so that they match the loops.
 */
public final class NettyNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyNetwork.class);

  /** I/O threads by default: the cores, at least 2 (one busy connection must not starve the rest). */
  public static final int DEFAULT_IO_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final EventLoopGroup acceptor;
  private final EventLoopGroup io;
  private final long shutdownTimeoutMs;
  private final boolean epoll;

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
    this.epoll = Epoll.isAvailable();
    if (!epoll) {
      log.debug("native epoll unavailable ({}); using NIO", Epoll.unavailabilityCause().toString());
    }
    this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-accept", true),
        handlers());
    this.io = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory(name + "-io", true),
        handlers());
  }

  private IoHandlerFactory handlers() {
    return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** "epoll" or "nio": which transport the loops run. */
  public String transportName() {
    return epoll ? "epoll" : "nio";
  }

  /** The listening-socket class that matches the loops. */
  public Class<? extends ServerChannel> serverChannelClass() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The connection class that matches the loops. */
  public Class<? extends SocketChannel> socketChannelClass() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
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
