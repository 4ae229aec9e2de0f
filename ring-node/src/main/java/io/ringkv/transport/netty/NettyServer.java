package io.ringkv.transport.netty;

import io.ringkv.protocol.WireCodec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.gossip.Endpoint;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ErrorCode;
import io.ringkv.internode.GossipMessages;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.internode.PeerAuthMessages.PeerChallenge;
import io.ringkv.internode.PeerAuthMessages.PeerProof;
import io.ringkv.internode.PeerAuthMessages.PeerProven;
import io.ringkv.protocol.Reply;
import io.ringkv.protocol.Request;
import io.ringkv.transport.ClientRequestHandler;
import io.ringkv.transport.Transport;
import io.ringkv.transport.TransportConfig;
import io.ringkv.security.Authenticator;
import io.ringkv.security.ClusterSecret;
import io.ringkv.security.NodeSecurity;
import io.ringkv.security.Permissions;
import io.ringkv.security.Role;
import io.ringkv.transport.tls.Tls;
import io.ringkv.transport.tls.TlsMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's listening socket, for clients and peer nodes alike. The first frame of every connection
 * must be a {@link Hello} with protocol version {@link Messages#PROTOCOL_VERSION}; it is answered with
 * {@link HelloOk}. A Hello naming a node id makes the connection a peer's: its cluster name must be
 * ours, and everything it sends goes to the {@link Transport.PeerHandler} with {@code from} = the
 * endpoint it advertised. Otherwise it is a client, whose GET/PUT/DELETE/INFO/WHERE requests go to the
 * {@link ClientRequestHandler} and whose replies are written from whatever thread produces them.
 *
 * <p>Bounds: {@link TransportConfig#maxConnections()} (refused with OVERLOADED),
 * {@link TransportConfig#maxInFlightPerConnection()} (requests over it get OVERLOADED),
 * {@link TransportConfig#helloTimeoutMs()} (silent connections are closed),
 * {@link WireCodec#HELLO_MAX_FRAME_BYTES} before the Hello and {@link TransportConfig#maxFrameBytes()} after. A frame that cannot be decoded is answered with an
 * ErrorReply(PROTOCOL) when its request id is known and the connection has said Hello; otherwise the
 * connection is closed with one WARN line naming the reason. Other connections are unaffected.
 *
 * <p>Security ({@link NodeSecurity}, docs/security.md). With TLS on, every connection starts with an
 * {@code OptionalSslHandler}: a connection whose first bytes are a TLS record becomes TLS, any other
 * stays plaintext, and the Hello decides whether that is allowed: a client needs TLS when the mode
 * covers clients, a node when it covers internode (and then a certificate with the node OU, see
 * {@link Tls#isNodeCertificate}). One port serves both kinds, and only the Hello says which a
 * connection is, so the check has to wait for it; a refused plaintext connection gets a readable
 * ErrorReply instead of a reset. When internode TLS is off and a cluster secret is set, a node must
 * answer a challenge ({@code PeerAuthMessages}) before anything it sends is handed on. With
 * authentication on, a client's Hello must carry a user and password, checked off the event loop by
 * the {@link Authenticator}; until then the connection may send nothing else. Every client request is
 * then checked against the user's role ({@link Permissions}); a refusal is a PERMISSION_DENIED reply
 * and the connection stays open.
 */
public final class NettyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyServer.class);

  private final NettyNetwork network;
  private final TransportConfig config;
  private final String nodeId;
  private final String clusterName;
  private final String bindHost;
  private final int bindPort;
  private final ClientRequestHandler clientHandler;
  private final NodeSecurity security;

  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder peerMessagesUnhandled = new LongAdder();
  private final LongAdder protocolErrors = new LongAdder();
  private final LongAdder refusedUnauthenticated = new LongAdder();
  private final LongAdder refusedPermission = new LongAdder();
  private volatile Transport.PeerHandler peerHandler;
  private volatile Channel serverChannel;

  /**
   * @param nodeId this node's id, sent in HelloOk
   * @param clusterName this node's cluster; peers with another name are refused
   * @param bindHost address to listen on, e.g. "0.0.0.0" or "127.0.0.1"
   * @param bindPort port to listen on; 0 picks a free one, see {@link #boundPort()}
   * @param clientHandler receives client requests; must not block
   */
  public NettyServer(NettyNetwork network, TransportConfig config, String nodeId, String clusterName,
      String bindHost, int bindPort, ClientRequestHandler clientHandler) {
    this(network, config, nodeId, clusterName, bindHost, bindPort, clientHandler, NodeSecurity.NONE);
  }

  /** As above, with TLS, authentication and the internode proof of {@code security}. */
  public NettyServer(NettyNetwork network, TransportConfig config, String nodeId, String clusterName,
      String bindHost, int bindPort, ClientRequestHandler clientHandler, NodeSecurity security) {
    this.security = Objects.requireNonNull(security, "security");
    this.network = Objects.requireNonNull(network, "network");
    this.config = Objects.requireNonNull(config, "config");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.bindHost = Objects.requireNonNull(bindHost, "bindHost");
    this.bindPort = bindPort;
    this.clientHandler = Objects.requireNonNull(clientHandler, "clientHandler");
  }

  /** Binds the socket, blocking until it is bound; throws {@link IllegalStateException} if it cannot. */
  public NettyServer start() {
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(network.acceptor(), network.io())
        .channel(network.serverChannelClass())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // replies finish on core and storage threads; coalesce their flushes into one write per batch
            // instead of one syscall and one event-loop wake-up per reply (the profile's advice)
            if (security.tls() != null) {
              ch.pipeline().addLast("tls", security.tls().newServerHandler());
            }
            ch.pipeline().addLast("flushes", new FlushConsolidationHandler(256, true));
            WireCodec.installForServer(ch.pipeline(), config.maxFrameBytes());
            ch.pipeline().addLast("connection", new Connection());
          }
        });
    var future = bootstrap.bind(bindHost, bindPort).awaitUninterruptibly();
    if (!future.isSuccess()) {
      throw new IllegalStateException("cannot listen on " + bindHost + ":" + bindPort + ": " + future.cause(),
          future.cause());
    }
    serverChannel = future.channel();
    log.info("node {} listening on {} ({})", nodeId, serverChannel.localAddress(), network.transportName());
    return this;
  }

  /** The port the server listens on (the real one when started with port 0). */
  public int boundPort() {
    return boundAddress().getPort();
  }

  public InetSocketAddress boundAddress() {
    Channel ch = serverChannel;
    if (ch == null) {
      throw new IllegalStateException("server not started");
    }
    return (InetSocketAddress) ch.localAddress();
  }

  /** Where messages from peer nodes go; until set they are dropped and counted. */
  public void peerHandler(Transport.PeerHandler handler) {
    this.peerHandler = Objects.requireNonNull(handler, "handler");
  }

  /** Hands {@code message} from {@code from} to the peer handler, as if it came on a peer connection. */
  void deliverPeerMessage(Endpoint from, Message message) {
    Transport.PeerHandler handler = peerHandler;
    if (handler == null) {
      peerMessagesUnhandled.increment();
      return;
    }
    handler.onMessage(from, message);
  }

  /** Stops handing peer messages on (the transport closed); later ones are dropped and counted. */
  void clearPeerHandler() {
    this.peerHandler = null;
  }

  /** Open inbound connections, clients and peers. */
  public int connectionCount() {
    return connections.get();
  }

  /** Frames refused as malformed, out of order or over a bound since start. */
  public long protocolErrors() {
    return protocolErrors.sum();
  }

  /** Connections refused for a failed login, a missing certificate or proof, or TLS required. */
  public long refusedUnauthenticated() {
    return refusedUnauthenticated.sum();
  }

  /** Client requests refused because the user's role does not allow them. */
  public long refusedPermission() {
    return refusedPermission.sum();
  }

  NodeSecurity security() {
    return security;
  }

  /** Peer messages that arrived while no peer handler was set (before start, after close). */
  public long peerMessagesUnhandled() {
    return peerMessagesUnhandled.sum();
  }

  /** Stops listening and closes the listening socket; open connections close with the network. */
  @Override
  public void close() {
    Channel ch = serverChannel;
    if (ch != null && !ch.close().awaitUninterruptibly(config.shutdownTimeoutMs())) {
      log.warn("listening socket of node {} did not close within {} ms", nodeId, config.shutdownTimeoutMs());
    }
  }

  private enum State { AWAITING_HELLO, AUTHENTICATING, AWAITING_PROOF, CLIENT, PEER, CLOSING }

  /** One inbound connection; all fields are confined to its event loop except {@code inFlight}. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final AtomicInteger inFlight = new AtomicInteger();
    private State state = State.AWAITING_HELLO;
    private Endpoint peer;
    private Role role = Role.ADMIN; // with --auth off every client may do everything
    private Hello peerHello;
    private byte[] challenge;
    private boolean counted;
    private boolean warned;
    private ScheduledFuture<?> helloTimer;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      counted = true;
      if (connections.incrementAndGet() > config.maxConnections()) {
        refuse(ctx, 0, ErrorCode.OVERLOADED,
            "node has too many connections (maxConnections=" + config.maxConnections() + ")");
        return;
      }
      helloTimer = ctx.executor().schedule(() -> {
        if (state == State.AWAITING_HELLO || state == State.AUTHENTICATING || state == State.AWAITING_PROOF) {
          closeWithWarning(ctx, "no Hello within helloTimeoutMs=" + config.helloTimeoutMs());
        }
      }, config.helloTimeoutMs(), TimeUnit.MILLISECONDS);
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (counted) {
        connections.decrementAndGet();
        counted = false;
      }
      if (helloTimer != null) {
        helloTimer.cancel(false);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (state == State.CLOSING) {
        return;
      }
      if (msg instanceof WireCodec.BadFrame bad) {
        onBadFrame(ctx, bad);
        return;
      }
      Message message = (Message) msg;
      switch (state) {
        case AWAITING_HELLO -> onHello(ctx, message);
        case AWAITING_PROOF -> onProof(ctx, message);
        case AUTHENTICATING -> {
          protocolErrors.increment();
          refuse(ctx, Messages.requestIdOf(message), ErrorCode.PROTOCOL,
              message.getClass().getSimpleName() + " sent before the login was answered");
        }
        case CLIENT -> onClientMessage(ctx, message);
        case PEER -> onPeerMessage(message);
        default -> { }
      }
    }

    private void onBadFrame(ChannelHandlerContext ctx, WireCodec.BadFrame bad) {
      protocolErrors.increment();
      if (state != State.CLIENT && state != State.PEER || bad.fatal() || !bad.requestIdKnown()) {
        refuse(ctx, bad.requestIdKnown() ? bad.requestId() : 0, ErrorCode.PROTOCOL, bad.reason());
      } else {
        log.debug("bad frame from {}: {}", ctx.channel().remoteAddress(), bad.reason());
        ctx.writeAndFlush(new ErrorReply(bad.requestId(), ErrorCode.PROTOCOL, bad.reason()));
      }
    }

    private void onHello(ChannelHandlerContext ctx, Message message) {
      long id = Messages.requestIdOf(message);
      if (!(message instanceof Hello hello)) {
        protocolErrors.increment();
        refuse(ctx, id, ErrorCode.PROTOCOL,
            "expected Hello as the first message, got " + message.getClass().getSimpleName());
        return;
      }
      if (hello.protocolVersion() != Messages.PROTOCOL_VERSION) {
        protocolErrors.increment();
        refuse(ctx, 0, ErrorCode.PROTOCOL, "protocol version " + hello.protocolVersion()
            + " is not supported; this node speaks " + Messages.PROTOCOL_VERSION);
        return;
      }
      boolean isPeer = hello.nodeId() != null;
      if ((isPeer || hello.clusterName() != null) && !clusterName.equals(hello.clusterName())) {
        protocolErrors.increment();
        if (isPeer) {
          // Tell the node's gossip too, in the words of a gossip refusal (ClusterMetadata): a node that
          // has not joined yet takes it as fatal and exits with status 3 instead of retrying forever.
          ctx.write(new GossipMessages.GossipReject(new io.ringkv.gossip.GossipPayload.Reject(nodeId,
              "cluster name mismatch: this node has '" + hello.clusterName() + "', the peer belongs to cluster '"
                  + clusterName + "'")));
        }
        refuse(ctx, 0, ErrorCode.PROTOCOL, "cluster name '" + hello.clusterName()
            + "' does not match this node's cluster '" + clusterName + "'");
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      TlsMode mode = security.tlsMode();
      if (isPeer) {
        try {
          peer = new Endpoint(hello.host(), hello.port());
        } catch (RuntimeException e) {
          protocolErrors.increment();
          refuse(ctx, 0, ErrorCode.PROTOCOL, "node " + hello.nodeId() + " advertised a bad address: " + e.getMessage());
          return;
        }
        if (mode.coversInternode()) {
          if (ssl == null || !Tls.isNodeCertificate(ssl.engine().getSession())) {
            refuseUnauthenticated(ctx, "node " + hello.nodeId() + " refused: internode connections need TLS with a"
                + " node certificate (OU=" + Tls.NODE_OU + ") of the cluster CA (--tls " + mode.flag() + ")");
            return;
          }
        } else if (security.clusterSecret() != null) {
          state = State.AWAITING_PROOF;
          peerHello = hello;
          challenge = ClusterSecret.nonce();
          ctx.writeAndFlush(new PeerChallenge(challenge));
          return;
        }
        acceptPeer(ctx, hello);
        return;
      }
      if (mode.coversClients() && ssl == null) {
        refuseUnauthenticated(ctx, "this node accepts clients over TLS only (--tls " + mode.flag()
            + "): connect with TLS (REPL: --tls-ca CA.pem)");
        return;
      }
      Authenticator auth = security.authenticator();
      if (auth == null) {
        acceptClient(ctx);
        return;
      }
      if (hello.user() == null) {
        refuseUnauthenticated(ctx, "authentication required: connect with a user name and password (REPL: -u USER)");
        return;
      }
      if (ssl == null && !security.allowPlaintextAuth()) {
        refuseUnauthenticated(ctx, "this node takes passwords over TLS only (no --allow-plaintext-auth):"
            + " connect with TLS (REPL: --tls-ca CA.pem)");
        return;
      }
      state = State.AUTHENTICATING;
      String source = ctx.channel().remoteAddress() instanceof InetSocketAddress a
          ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
      auth.authenticate(source, hello.user(), hello.password()).whenComplete((outcome, error) ->
          ctx.executor().execute(() -> {
            if (state != State.AUTHENTICATING) {
              return; // closed meanwhile
            }
            if (outcome != null && outcome.ok()) {
              role = outcome.role();
              acceptClient(ctx);
            } else {
              refuseUnauthenticated(ctx, outcome == null ? "login failed: " + error : outcome.refusal());
            }
          }));
    }

    private void acceptClient(ChannelHandlerContext ctx) {
      state = State.CLIENT;
      accept(ctx, new HelloOk(Messages.PROTOCOL_VERSION, nodeId, clusterName));
    }

    private void acceptPeer(ChannelHandlerContext ctx, Hello hello) {
      state = State.PEER;
      log.debug("peer {} ({}) connected from {}", hello.nodeId(), peer, ctx.channel().remoteAddress());
      accept(ctx, new HelloOk(Messages.PROTOCOL_VERSION, nodeId, clusterName));
    }

    private void accept(ChannelHandlerContext ctx, Message answer) {
      helloTimer.cancel(false);
      WireCodec.helloAccepted(ctx.pipeline());
      ctx.writeAndFlush(answer);
    }

    /** The connecting node's answer to our challenge: it must prove it holds the cluster secret. */
    private void onProof(ChannelHandlerContext ctx, Message message) {
      ClusterSecret secret = security.clusterSecret();
      if (!(message instanceof PeerProof proof) || proof.nonce() == null
          || proof.nonce().length != ClusterSecret.NONCE_BYTES
          || !ClusterSecret.same(proof.proof(),
              secret.connectorProof(challenge, proof.nonce(), peerHello.nodeId(), clusterName))) {
        refuseUnauthenticated(ctx, "node " + peerHello.nodeId() + " refused: it did not prove it holds the cluster"
            + " secret (--cluster-secret-file)");
        return;
      }
      state = State.PEER;
      log.debug("peer {} ({}) proved membership from {}", peerHello.nodeId(), peer, ctx.channel().remoteAddress());
      accept(ctx, new PeerProven(nodeId, clusterName, secret.acceptorProof(challenge, proof.nonce(), nodeId,
          clusterName)));
    }

    private void refuseUnauthenticated(ChannelHandlerContext ctx, String reason) {
      refusedUnauthenticated.increment();
      refuse(ctx, 0, ErrorCode.UNAUTHENTICATED, reason);
    }

    private void onClientMessage(ChannelHandlerContext ctx, Message message) {
      long id = Messages.requestIdOf(message);
      if (!Permissions.isClientRequest(message)) {
        protocolErrors.increment();
        ctx.writeAndFlush(new ErrorReply(id, ErrorCode.PROTOCOL,
            message.getClass().getSimpleName() + " is not a client request"));
        return;
      }
      Request request = (Request) message;
      Role required = Permissions.required(request);
      if (!role.allows(required)) {
        refusedPermission.increment();
        ctx.writeAndFlush(new ErrorReply(id, ErrorCode.PERMISSION_DENIED, Permissions.denied(required)));
        return;
      }
      if (inFlight.incrementAndGet() > config.maxInFlightPerConnection()) {
        inFlight.decrementAndGet();
        ctx.writeAndFlush(new ErrorReply(id, ErrorCode.OVERLOADED, "too many requests in flight on this connection"
            + " (maxInFlightPerConnection=" + config.maxInFlightPerConnection() + ")"));
        return;
      }
      Consumer<Reply> reply = new OnceReply(ctx.channel(), request, inFlight);
      try {
        clientHandler.onRequest(request, reply);
      } catch (RuntimeException e) {
        log.error("client request handler threw on {}", request.getClass().getSimpleName(), e);
        reply.accept(new ErrorReply(id, ErrorCode.INTERNAL, "internal error: " + e));
      }
    }

    private void onPeerMessage(Message message) {
      Transport.PeerHandler handler = peerHandler;
      if (handler == null) {
        peerMessagesUnhandled.increment();
        return;
      }
      try {
        handler.onMessage(peer, message);
      } catch (RuntimeException e) {
        log.error("peer handler threw on {} from {}", message.getClass().getSimpleName(), peer, e);
      }
    }

    /** Answers with an error, when there is someone to answer, then closes with one WARN line. */
    private void refuse(ChannelHandlerContext ctx, long requestId, ErrorCode code, String reason) {
      state = State.CLOSING;
      warnOnce(ctx, reason);
      ctx.writeAndFlush(new ErrorReply(requestId, code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    private void closeWithWarning(ChannelHandlerContext ctx, String reason) {
      state = State.CLOSING;
      warnOnce(ctx, reason);
      ctx.close();
    }

    private void warnOnce(ChannelHandlerContext ctx, String reason) {
      if (!warned) {
        warned = true;
        log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), reason);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException || cause.getCause() instanceof javax.net.ssl.SSLException) {
        // a failed TLS handshake was logged once by Tls already
        log.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
      } else {
        closeWithWarning(ctx, cause.toString());
      }
    }
  }

  /** The reply callback of one client request: the first call wins, later ones are ignored. */
  private static final class OnceReply implements Consumer<Reply> {
    private final Channel channel;
    private final Request request;
    private final AtomicInteger inFlight;
    private final AtomicBoolean done = new AtomicBoolean();

    OnceReply(Channel channel, Request request, AtomicInteger inFlight) {
      this.channel = channel;
      this.request = request;
      this.inFlight = inFlight;
    }

    @Override
    public void accept(Reply reply) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      inFlight.decrementAndGet();
      if (!channel.isActive()) {
        return;
      }
      channel.writeAndFlush(reply).addListener(f -> {
        if (!f.isSuccess() && channel.isActive() && !(reply instanceof ErrorReply)) {
          // Typically a reply over maxFrameBytes: tell the client rather than leave it to time out.
          log.warn("cannot send {} for {}: {}", reply.getClass().getSimpleName(),
              request.getClass().getSimpleName(), f.cause().getMessage());
          channel.writeAndFlush(new ErrorReply(request.requestId(), ErrorCode.INTERNAL,
              "the reply could not be sent: " + f.cause().getMessage()));
        }
      });
    }
  }
}
