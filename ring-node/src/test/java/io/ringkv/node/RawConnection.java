package io.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;

/**
 * A blocking connection that speaks the frame format by hand (plaintext, or TLS with a chosen
 * certificate), for tests that must send what no well-behaved node or client sends.
 */
final class RawConnection implements AutoCloseable {
  static final int READ_TIMEOUT_MS = 20_000;
  final Socket socket;
  final DataOutputStream out;
  final DataInputStream in;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(READ_TIMEOUT_MS);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  static RawConnection plain(int port) throws IOException {
    return new RawConnection(new Socket("127.0.0.1", port));
  }

  /** TLS trusting {@code ca}, presenting {@code cert}/{@code key} (both may be null: no certificate). */
  static RawConnection tls(int port, Path ca, Path cert, Path key) throws IOException {
    // the JDK provider by name: a blocking SSLSocket needs a JdkSslContext, and Netty's default is
    // OpenSSL now that netty-tcnative is on the classpath
    SslContextBuilder b = SslContextBuilder.forClient().sslProvider(io.netty.handler.ssl.SslProvider.JDK)
        .trustManager(ca.toFile()).endpointIdentificationAlgorithm(null);
    if (cert != null) {
      b.keyManager(cert.toFile(), key.toFile());
    }
    JdkSslContext ctx = (JdkSslContext) b.build();
    SSLSocket s = (SSLSocket) ctx.context().getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(READ_TIMEOUT_MS);
    s.startHandshake();
    return new RawConnection(s);
  }

  void send(Message m) throws IOException {
    byte[] body = Messages.toBytes(m);
    ByteBuffer frame = ByteBuffer.allocate(4 + 8 + body.length);
    frame.putInt(8 + body.length).putLong(Messages.requestIdOf(m)).put(body);
    out.write(frame.array());
    out.flush();
  }

  Message read() throws IOException {
    int length = in.readInt();
    assertTrue(length > 8 && length < (1 << 20), "frame length " + length);
    long requestId = in.readLong();
    byte[] body = new byte[length - 8];
    in.readFully(body);
    Message m = Messages.fromBytes(body);
    assertEquals(requestId, Messages.requestIdOf(m));
    return m;
  }

  /** True when the node closed the connection (EOF or reset) rather than leaving it open. */
  boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (EOFException | SocketException e) {
      return true;
    } catch (javax.net.ssl.SSLException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
