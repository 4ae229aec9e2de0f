package io.ringkv.transport.netty;

import io.ringkv.protocol.WireCodec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.internode.GossipMessages;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.internode.PeerAuthMessages.PeerChallenge;
import io.ringkv.internode.PeerAuthMessages.PeerProof;
import io.ringkv.internode.PeerAuthMessages.PeerProven;
import io.ringkv.security.ClusterSecret;
import io.ringkv.security.NodeSecurity;
import io.ringkv.transport.tls.Tls;
import io.netty.handler.ssl.SslHandler;
import io.ringkv.transport.TransportConfig;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound connection to one peer and its bounded queue. {@link #enqueue} may be called from any
 * thread; everything else runs on the connection's event loop, which owns the fields below
 * {@code drainScheduled}.
 */
final class PeerConnection {
  private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

  private record Queued(Message message, long enqueuedNanos) {}

  private final NettyTransport transport;
  private final TransportConfig config;
  private final Endpoint peer;
  private final EventLoop loop;
  private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ChannelFutureListener writeFailures;

  // Confined to the event loop.
  private Channel channel;
  private boolean ready;
  private boolean closed;
  private long backoffMs;
  private long nextAttemptNanos;
  private ScheduledFuture<?> retryTimer;
  private boolean failureLogged;
  private volatile boolean readyFlag;

  PeerConnection(NettyTransport transport, Endpoint peer, EventLoop loop) {
    this.transport = transport;
    this.config = transport.config();
    this.peer = peer;
    this.loop = loop;
    this.backoffMs = config.reconnectBackoffMinMs();
    this.writeFailures = f -> {
      if (!f.isSuccess()) {
        transport.droppedOther.increment();
        if (!(f.cause() instanceof java.io.IOException)) {
          log.warn("message to {} not sent: {}", peer, f.cause().toString());
        }
      }
    };
  }

  int queued() {
    return size.get();
  }

  boolean isReady() {
    return readyFlag;
  }

  void enqueue(Message message) {
    if (size.incrementAndGet() > config.peerQueueMax()) {
      size.decrementAndGet();
      transport.droppedQueueFull.increment();
      return;
    }
    queue.add(new Queued(message, System.nanoTime()));
    scheduleDrain();
  }

  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        loop.execute(this::drain);
      } catch (RejectedExecutionException e) { // the network is shutting down
        drainScheduled.set(false);
        Queued q;
        while ((q = queue.poll()) != null) {
          size.decrementAndGet();
          transport.droppedOther.increment();
        }
      }
    }
  }

  /** Writes what is queued when connected, else expires old messages and (re)connects when due. */
  private void drain() {
    drainScheduled.set(false);
    if (closed) {
      dropAll();
      return;
    }
    if (ready && channel.isActive()) {
      long now = System.nanoTime();
      boolean wrote = false;
      while (channel.isWritable()) {
        Queued q = queue.poll();
        if (q == null) {
          break;
        }
        size.decrementAndGet();
        if (expired(q, now)) {
          transport.droppedExpired.increment();
          continue;
        }
        channel.write(q.message()).addListener(writeFailures);
        transport.sent.increment();
        wrote = true;
      }
      if (wrote) {
        channel.flush();
      }
      Queued head = queue.peek();
      if (!channel.isWritable() && head != null && expired(head, now)) {
        // The peer has not read for longer than a message may wait: it is stuck or behind a
        // partition that TCP has not noticed yet. Start over on a fresh connection.
        log.warn("peer {} stopped reading (a message waited over peerQueueMaxAgeMs={}); reconnecting", peer,
            config.peerQueueMaxAgeMs());
        channel.close();
      }
      return;
    }
    expireOld();
    if (channel == null && retryTimer == null && !queue.isEmpty()) {
      long delayNanos = nextAttemptNanos - System.nanoTime();
      if (delayNanos <= 0) {
        connect();
      } else {
        retryTimer = loop.schedule(() -> {
          retryTimer = null;
          drain();
        }, delayNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  private boolean expired(Queued q, long now) {
    return now - q.enqueuedNanos() > TimeUnit.MILLISECONDS.toNanos(config.peerQueueMaxAgeMs());
  }

  private void expireOld() {
    long now = System.nanoTime();
    Queued head;
    while ((head = queue.peek()) != null && expired(head, now)) {
      if (queue.remove(head)) {
        size.decrementAndGet();
        transport.droppedExpired.increment();
      }
    }
  }

  private void dropAll() {
    Queued q;
    while ((q = queue.poll()) != null) {
      size.decrementAndGet();
      transport.droppedOther.increment();
    }
  }

  private void connect() {
    Bootstrap bootstrap = new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMs()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            NodeSecurity security = transport.security();
            if (security.internodeTls()) {
              ch.pipeline().addLast("tls", security.tls().newPeerHandler(ch.alloc(), peer.host(), peer.port()));
            }
            WireCodec.install(ch.pipeline(), config.maxFrameBytes());
            ch.pipeline().addLast("peer", new Handshake());
          }
        });
    ChannelFuture future = bootstrap.connect(peer.host(), peer.port());
    channel = future.channel();
    future.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        onFailure(f.channel(), "connect failed: " + f.cause().getMessage());
        return;
      }
      Endpoint self = transport.advertised();
      f.channel().writeAndFlush(new Hello(Messages.PROTOCOL_VERSION, transport.nodeId(), self.host(), self.port(),
          transport.clusterName()));
      loop.schedule(() -> {
        if (channel == f.channel() && !ready) {
          onFailure(f.channel(), "no HelloOk within connectTimeoutMs=" + config.connectTimeoutMs());
          f.channel().close();
        }
      }, config.connectTimeoutMs(), TimeUnit.MILLISECONDS);
    });
  }

  /** A connect or handshake failed, or an open connection closed: back off, then retry if messages wait. */
  private void onFailure(Channel failed, String reason) {
    if (channel != failed) {
      return; // an older connection's late event
    }
    boolean wasReady = ready;
    channel = null;
    ready = false;
    readyFlag = false;
    if (closed) {
      return;
    }
    if (wasReady) {
      log.info("connection to peer {} lost: {}", peer, reason);
    } else {
      transport.connectFailures.increment();
      if (!failureLogged) {
        failureLogged = true;
        log.warn("cannot reach peer {} ({}); retrying with backoff up to {} ms, not logging further failures",
            peer, reason, config.reconnectBackoffMaxMs());
      } else {
        log.debug("cannot reach peer {}: {}", peer, reason);
      }
    }
    nextAttemptNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
    backoffMs = Math.min(backoffMs * 2, config.reconnectBackoffMaxMs());
    drain();
  }

  private void onReady(Channel ch, String peerNodeId) {
    if (channel != ch) {
      return;
    }
    ready = true;
    readyFlag = true;
    backoffMs = config.reconnectBackoffMinMs();
    if (failureLogged) {
      log.info("reached peer {} (node {}) again", peer, peerNodeId);
    }
    failureLogged = false;
    drain();
  }

  Future<?> close() {
    Promise<Void> done = loop.newPromise();
    if (loop.isShuttingDown()) { // the network closed first: its shutdown closes the channel
      return done.setSuccess(null);
    }
    loop.execute(() -> {
      closed = true;
      readyFlag = false;
      if (retryTimer != null) {
        retryTimer.cancel(false);
      }
      dropAll();
      Channel ch = channel;
      channel = null;
      if (ch == null) {
        done.setSuccess(null);
      } else {
        ch.close().addListener(f -> done.setSuccess(null));
      }
    });
    return done;
  }

  /** Waits for HelloOk, then lets the queue flow; reports the connection's end. */
  private final class Handshake extends ChannelInboundHandlerAdapter {
    private byte[] challenge;
    private byte[] nonce;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      NodeSecurity security = transport.security();
      if (msg instanceof HelloOk ok && !ready) {
        if (!transport.clusterName().equals(ok.clusterName())) {
          log.warn("peer {} belongs to cluster '{}', this node to '{}': not sending to it", peer,
              ok.clusterName(), transport.clusterName());
          ctx.close();
          return;
        }
        if (security.internodeTls()) {
          SslHandler ssl = ctx.pipeline().get(SslHandler.class);
          if (ssl == null || !Tls.isNodeCertificate(ssl.engine().getSession())) {
            refused(ctx, "its certificate is not a node certificate (OU=" + Tls.NODE_OU + ") of the cluster CA");
            return;
          }
        } else if (security.clusterSecret() != null) {
          refused(ctx, "it accepted this node without checking the cluster secret (is --cluster-secret-file set"
              + " on every node?)");
          return;
        }
        onReady(ctx.channel(), ok.nodeId());
      } else if (msg instanceof GossipMessages.GossipReject reject && !ready) {
        // the peer refuses this node's cluster name (NettyServer): gossip decides whether that is fatal
        transport.deliverRefusal(peer, reject);
      } else if (msg instanceof PeerChallenge c && !ready && challenge == null) {
        ClusterSecret secret = security.clusterSecret();
        if (secret == null || security.internodeTls()) {
          refused(ctx, "it asks for the cluster secret, which this node does not use (--cluster-secret-file)");
          return;
        }
        if (c.nonce() == null || c.nonce().length != ClusterSecret.NONCE_BYTES) {
          refused(ctx, "its challenge is malformed");
          return;
        }
        challenge = c.nonce();
        nonce = ClusterSecret.nonce();
        ctx.writeAndFlush(new PeerProof(nonce, secret.connectorProof(challenge, nonce, transport.nodeId(),
            transport.clusterName())));
      } else if (msg instanceof PeerProven p && !ready && challenge != null) {
        ClusterSecret secret = security.clusterSecret();
        if (!transport.clusterName().equals(p.clusterName()) || !ClusterSecret.same(p.proof(),
            secret.acceptorProof(challenge, nonce, p.nodeId(), transport.clusterName()))) {
          refused(ctx, "it did not prove it holds the cluster secret");
          return;
        }
        onReady(ctx.channel(), p.nodeId());
      } else if (msg instanceof ErrorReply error) {
        log.warn("peer {} refused this node: {} {}", peer, error.code(), error.message());
        ctx.close();
      } else if (msg instanceof WireCodec.BadFrame bad) {
        log.warn("peer {} sent a bad frame: {}", peer, bad.reason());
        ctx.close();
      } else {
        log.debug("ignoring {} from {} on an outbound connection", msg.getClass().getSimpleName(), peer);
      }
    }

    private void refused(ChannelHandlerContext ctx, String reason) {
      transport.peersRefused.increment();
      log.warn("not sending to peer {}: {}", peer, reason);
      ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        drain();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onFailure(ctx.channel(), "connection closed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("connection to {} failed: {}", peer, cause.toString());
      ctx.close();
    }
  }
}
