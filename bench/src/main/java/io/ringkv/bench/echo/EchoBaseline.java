package io.ringkv.bench.echo;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The loopback limit: how many request/response round trips per second this machine does through Netty
 * with frames shaped like ringkv's (4-byte length prefix, {@code --bytes} body), {@code --connections}
 * connections, each with one request in flight (the next request leaves when the echo is back, sent
 * from the event loop: no application thread hand-off, the cheapest a round trip can be).
 *
 * <pre>
 *   EchoBaseline server --port 7900 [--io-threads 2]
 *   EchoBaseline client --port 7900 [--host 127.0.0.1] [--connections 32] [--bytes 1024]
 *                       [--warmup 5] [--duration 20] [--io-threads 1]
 * </pre>
 *
 * The client prints one line of {@code key=value} pairs (rate in round trips per second, latency
 * percentiles in microseconds) that bench/bin/run-cluster-bench parses. The same NIO transport as the
 * ringkv node and client.
 */
public final class EchoBaseline {
  private EchoBaseline() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("server") || args[0].equals("client"))) {
      System.err.println("usage: EchoBaseline server|client [--port P] [--host H] [--connections C] [--bytes B]"
          + " [--warmup S] [--duration S] [--io-threads T]");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    int port = Integer.parseInt(opts.getOrDefault("port", "7900"));
    if (args[0].equals("server")) {
      server(port, Integer.parseInt(opts.getOrDefault("io-threads", "2")));
    } else {
      client(opts.getOrDefault("host", "127.0.0.1"), port,
          Integer.parseInt(opts.getOrDefault("connections", "32")),
          Integer.parseInt(opts.getOrDefault("bytes", "1024")),
          Integer.parseInt(opts.getOrDefault("warmup", "5")),
          Integer.parseInt(opts.getOrDefault("duration", "20")),
          Integer.parseInt(opts.getOrDefault("io-threads", "1")));
    }
  }

  /** Echoes every frame back, until the process is killed. */
  static void server(int port, int ioThreads) throws InterruptedException {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup io = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
    try {
      Channel ch = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                  new LengthFieldPrepender(4),
                  new SimpleChannelInboundHandler<ByteBuf>(false) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                      ctx.writeAndFlush(frame);
                    }
                  });
            }
          })
          .bind("127.0.0.1", port).sync().channel();
      System.out.println("echo server listening on 127.0.0.1:" + port);
      ch.closeFuture().sync();
    } finally {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static void client(String host, int port, int connections, int bytes, int warmupS, int durationS, int ioThreads)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
    Recorder recorder = new Recorder(3);
    AtomicBoolean running = new AtomicBoolean(true);
    byte[] payload = new byte[bytes];
    List<Channel> channels = new ArrayList<>();
    try {
      Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                  new LengthFieldPrepender(4),
                  new SimpleChannelInboundHandler<ByteBuf>() {
                    long sentAt;

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                      send(ctx);
                    }

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                      recorder.recordValue((System.nanoTime() - sentAt) / 1000);
                      if (running.get()) {
                        send(ctx);
                      }
                    }

                    private void send(ChannelHandlerContext ctx) {
                      sentAt = System.nanoTime();
                      ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
                    }
                  });
            }
          });
      for (int i = 0; i < connections; i++) {
        channels.add(b.connect(host, port).sync().channel());
      }
      Thread.sleep(warmupS * 1000L);
      recorder.getIntervalHistogram(); // discard the warm-up
      long start = System.nanoTime();
      Thread.sleep(durationS * 1000L);
      Histogram h = recorder.getIntervalHistogram();
      double seconds = (System.nanoTime() - start) / 1e9;
      running.set(false);
      System.out.println(String.format(Locale.ROOT,
          "echo connections=%d bytes=%d seconds=%.1f roundTrips=%d rate=%.0f p50us=%d p95us=%d p99us=%d p999us=%d",
          connections, bytes, seconds, h.getTotalCount(), h.getTotalCount() / seconds,
          h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99),
          h.getValueAtPercentile(99.9)));
    } finally {
      running.set(false);
      for (Channel c : channels) {
        c.close();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
