package io.ringkv.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.transport.netty.NettyNetwork;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP/1.1 listener, on Netty's HTTP codec in the node's own event loops (no second web
 * server). It only parses, bounds and answers in order; what a request means is {@link HttpApi}'s.
 *
 * <p>Bounds ({@link HttpConfig}): request line, headers and body sizes (414, 431, 413, each answered
 * as JSON and the connection closed, since the rest of the request cannot be trusted), open
 * connections (503), one request answered at a time per connection with at most
 * {@code maxPipelinedRequests} waiting behind it (HTTP/1.1 answers in order; more is 429), a request
 * that takes longer than {@code requestReadTimeoutMs} to arrive (408), idle keep-alive connections
 * (closed). Bytes that are not HTTP get a 400 and a close; other connections are unaffected.
 */
public final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

  /**
   * Answers one request; must call {@code respond} exactly once, from any thread, and never block.
   * {@code source} is the client's IP address (what failed logins are counted by).
   */
  @FunctionalInterface
  public interface Handler {
    void handle(FullHttpRequest request, String source, Consumer<FullHttpResponse> respond);
  }

  private final NettyNetwork network;
  private final HttpConfig config;
  private final String bindHost;
  private final int port;
  private final Handler handler;
  private final java.util.function.Supplier<io.netty.handler.ssl.SslContext> tls;
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder refused = new LongAdder();
  private volatile Channel serverChannel;

  public HttpListener(NettyNetwork network, HttpConfig config, String bindHost, int port, Handler handler) {
    this(network, config, bindHost, port, handler, null);
  }

  /**
   * @param tls the server's TLS context for HTTPS (read per connection, so a reloaded certificate is used
   *     by the next one), or null for plain HTTP
   */
  public HttpListener(NettyNetwork network, HttpConfig config, String bindHost, int port, Handler handler,
      java.util.function.Supplier<io.netty.handler.ssl.SslContext> tls) {
    this.tls = tls;
    this.network = Objects.requireNonNull(network, "network");
    this.config = Objects.requireNonNull(config, "config");
    this.bindHost = Objects.requireNonNull(bindHost, "bindHost");
    this.port = port;
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** Binds, blocking until bound; throws {@link IllegalStateException} when the port is taken. */
  public HttpListener start() {
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(network.acceptor(), network.io())
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              // HTTPS only: a plaintext request on this port fails the handshake and is closed
              ch.pipeline().addLast("tls", tls.get().newHandler(ch.alloc()));
            }
            ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, config.idleTimeoutMs(), TimeUnit.MILLISECONDS))
                .addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(config.maxInitialLineBytes())
                    .setMaxHeaderSize(config.maxHeaderBytes())
                    .setMaxChunkSize(64 * 1024)))
                .addLast("read-timeout", new RequestReadTimeout())
                .addLast("aggregator", new JsonOversizeAggregator(config.maxContentBytes()))
                .addLast("connection", new Connection());
          }
        });
    var future = bootstrap.bind(bindHost, port).awaitUninterruptibly();
    if (!future.isSuccess()) {
      throw new IllegalStateException("cannot listen for HTTP on " + bindHost + ":" + port + ": " + future.cause(),
          future.cause());
    }
    serverChannel = future.channel();
    log.info("HTTP API, metrics and dashboard on {}://{}/", tls == null ? "http" : "https", serverChannel.localAddress());
    return this;
  }

  public int boundPort() {
    Channel ch = serverChannel;
    if (ch == null) {
      throw new IllegalStateException("HTTP listener not started");
    }
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  /** Requests refused at a bound (connections, pipelining, sizes, slow or malformed requests) since start. */
  public long refused() {
    return refused.sum();
  }

  @Override
  public void close() {
    Channel ch = serverChannel;
    if (ch != null) {
      ch.close().awaitUninterruptibly(5_000);
    }
  }

  /** Answers with a JSON error and closes the connection: what follows on it cannot be trusted. */
  private void refuseAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
    refused.increment();
    log.debug("HTTP {} to {}: {}", status.code(), ctx.channel().remoteAddress(), message);
    FullHttpResponse response = HttpApi.error(status, code, message);
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /** 413 as JSON (Netty's own answer is an empty body); the connection is closed. */
  private final class JsonOversizeAggregator extends HttpObjectAggregator {
    JsonOversizeAggregator(int maxContentBytes) {
      super(maxContentBytes, true);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      // answered in its turn by the connection; the aggregator drops the rest of the body, so a
      // keep-alive client reads the 413 instead of a reset in the middle of its upload
      refused.increment();
      ctx.fireUserEventTriggered(new Oversized(HttpUtil.isKeepAlive(oversized)));
    }
  }

  /** Closes a connection whose request does not arrive in full within {@code requestReadTimeoutMs}. */
  private final class RequestReadTimeout extends ChannelDuplexHandler {
    private ScheduledFuture<?> timer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest && timer == null) {
        timer = ctx.executor().schedule(() -> refuseAndClose(ctx, HttpResponseStatus.REQUEST_TIMEOUT, "TIMEOUT",
            "the request did not arrive in full within " + config.requestReadTimeoutMs() + " ms"),
            config.requestReadTimeoutMs(), TimeUnit.MILLISECONDS);
      }
      if (msg instanceof LastHttpContent && timer != null) {
        timer.cancel(false);
        timer = null;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (timer != null) {
        timer.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }

  /** A request whose body was over the bound: its answer is a 413. */
  private record Oversized(boolean keepAlive) {}

  /** A request waiting for its turn, or an answer already known (a 413) waiting for its turn. */
  private record Pending(FullHttpRequest request, Oversized oversized) {}

  /** One connection: answers its requests one at a time, in order; state confined to its event loop. */
  private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean counted;
    private boolean closing;

    Connection() {
      super(false);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      counted = true;
      if (connections.incrementAndGet() > config.maxConnections()) {
        closing = true;
        refuseAndClose(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "OVERLOADED",
            "node has too many HTTP connections (maxConnections=" + config.maxConnections() + ")");
        return;
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (counted) {
        connections.decrementAndGet();
        counted = false;
      }
      closing = true;
      for (Pending p; (p = waiting.poll()) != null; ) {
        if (p.request() != null) {
          p.request().release();
        }
      }
      ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (closing) {
        request.release();
        return;
      }
      if (request.decoderResult().isFailure()) {
        Throwable cause = request.decoderResult().cause();
        request.release();
        closing = true;
        if (cause instanceof TooLongHttpLineException) {
          refuseAndClose(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "LIMIT_EXCEEDED",
              "request line over " + config.maxInitialLineBytes() + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
          refuseAndClose(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "LIMIT_EXCEEDED",
              "request headers over " + config.maxHeaderBytes() + " bytes");
        } else {
          refuseAndClose(ctx, HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST",
              "not a valid HTTP/1.1 request: " + cause.getMessage());
        }
        return;
      }
      if (busy) {
        if (waiting.size() >= config.maxPipelinedRequests()) {
          request.release();
          closing = true;
          refuseAndClose(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "OVERLOADED",
              "more than " + config.maxPipelinedRequests() + " requests pipelined on one connection");
          return;
        }
        waiting.add(new Pending(request, null));
        return;
      }
      serve(ctx, request);
    }

    private void oversized(ChannelHandlerContext ctx, Oversized o) {
      if (closing) {
        return;
      }
      if (busy) {
        if (waiting.size() >= config.maxPipelinedRequests()) {
          closing = true;
          refuseAndClose(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "OVERLOADED",
              "more than " + config.maxPipelinedRequests() + " requests pipelined on one connection");
        } else {
          waiting.add(new Pending(null, o));
        }
        return;
      }
      FullHttpResponse response = HttpApi.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "LIMIT_EXCEEDED",
          "request body over the limit of " + config.maxContentBytes() + " bytes (the value limit)");
      busy = true;
      finish(ctx, null, response, o.keepAlive());
    }

    private void next(ChannelHandlerContext ctx) {
      Pending next = waiting.poll();
      if (next == null) {
        return;
      }
      if (next.request() != null) {
        serve(ctx, next.request());
      } else {
        oversized(ctx, next.oversized());
      }
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
      busy = true;
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      AtomicBoolean answered = new AtomicBoolean();
      Consumer<FullHttpResponse> respond = response -> {
        if (!answered.compareAndSet(false, true)) {
          response.release();
          return;
        }
        if (ctx.executor().inEventLoop()) {
          finish(ctx, request, response, keepAlive);
        } else {
          ctx.executor().execute(() -> finish(ctx, request, response, keepAlive));
        }
      };
      try {
        handler.handle(request, source(ctx), respond);
      } catch (RuntimeException e) {
        log.error("HTTP handler threw on {} {}", request.method(), request.uri(), e);
        respond.accept(HttpApi.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "internal error: " + e));
      }
    }

    private String source(ChannelHandlerContext ctx) {
      return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
          ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    private void finish(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
        boolean keepAlive) {
      if (request != null) {
        request.release();
      }
      HttpUtil.setContentLength(response, response.content().readableBytes());
      if (closing || !ctx.channel().isActive()) {
        response.release();
        return;
      }
      if (keepAlive) {
        if (request != null && request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
          response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response);
        busy = false;
        next(ctx);
      } else {
        closing = true;
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Oversized o) {
        oversized(ctx, o);
        return;
      }
      if (evt instanceof IdleStateEvent && !busy) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      } else {
        log.warn("closing HTTP connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }

  static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    return r;
  }
}
