package io.ringkv.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * The frame format shared by the server, the internode transport and the client:
 *
 * <pre>
 *   int32  length      bytes that follow, 9..maxFrameBytes
 *   int64  requestId   the request or reply id of the message, 0 for one-way messages
 *   bytes  message     {@link Messages} encoding
 * </pre>
 *
 * The request id sits outside the Kryo body so that a receiver that cannot decode a frame (too long,
 * unknown message id, garbage) still knows which request to answer with an ErrorReply. Inbound
 * handlers receive either a {@link Message} or a {@link BadFrame}; an outbound message that cannot be
 * encoded fails its write future with a {@link ProtocolException}.
 */
public final class WireCodec {
  private WireCodec() {}

  /** The smallest frame: the 8-byte request-id header plus a one-byte message. */
  public static final int FRAME_HEADER_BYTES = 8;

  /**
   * Largest frame a node sends or accepts by default (128 MiB), request-id header and message included:
   * it must hold the largest object the store accepts (100 siblings of up to 1 MiB each plus keys, dots
   * and contexts), or that key becomes unreadable. The server's {@code TransportConfig} says why in full.
   */
  public static final int DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;

  /**
   * Largest frame a server accepts before the connection's Hello is accepted (64 KiB; a Hello is well
   * under 1 KiB). Keeps a connection that has not identified itself from making the node buffer a
   * full {@code maxFrameBytes} frame.
   */
  public static final int HELLO_MAX_FRAME_BYTES = 64 * 1024;

  /** Adds the frame decoder, message decoder, length prepender and message encoder to {@code pipeline}. */
  public static void install(ChannelPipeline pipeline, int maxFrameBytes) {
    install(pipeline, maxFrameBytes, maxFrameBytes);
  }

  /**
   * The server's variant: frames are limited to {@link #HELLO_MAX_FRAME_BYTES} until
   * {@link #helloAccepted} is called for the pipeline.
   */
  public static void installForServer(ChannelPipeline pipeline, int maxFrameBytes) {
    install(pipeline, maxFrameBytes, Math.min(maxFrameBytes, HELLO_MAX_FRAME_BYTES));
  }

  public static void helloAccepted(ChannelPipeline pipeline) {
    pipeline.get(FrameDecoder.class).limitBytes = Integer.MAX_VALUE;
  }

  private static void install(ChannelPipeline pipeline, int maxFrameBytes, int firstLimitBytes) {
    FrameDecoder frames = new FrameDecoder(maxFrameBytes);
    frames.limitBytes = firstLimitBytes;
    pipeline.addLast("frameDecoder", frames);
    pipeline.addLast("messageDecoder", new MessageDecoder());
    pipeline.addLast("framePrepender", new LengthFieldPrepender(4));
    pipeline.addLast("messageEncoder", new MessageEncoder(maxFrameBytes));
  }

  /**
   * A frame that is not a valid message.
   *
   * @param requestId the id from the frame header, or {@link #NO_REQUEST_ID} when it is not known
   * @param fatal true when the byte stream can no longer be split into frames: close the connection
   */
  public record BadFrame(long requestId, String reason, boolean fatal) {
    public static final long NO_REQUEST_ID = -1;

    public boolean requestIdKnown() {
      return requestId != NO_REQUEST_ID && requestId != 0;
    }
  }

  /**
   * Netty's length-field decoder, fail-fast, that turns an oversize or corrupt length into a
   * {@link BadFrame} instead of an exception. On an oversize frame it first waits for the 8-byte
   * request-id header so the sender can be answered, then the base class discards the frame's bytes as
   * they arrive and the connection carries on with the next frame.
   */
  static final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    private final int maxFrameBytes;
    /** A lower bound than maxFrameBytes while the connection is unidentified; event-loop confined. */
    int limitBytes = Integer.MAX_VALUE;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
      super(maxFrameBytes, 0, 4, 0, 4, true);
      this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      if (failed) { // the stream cannot be framed any more; the connection is closing
        in.skipBytes(in.readableBytes());
        return null;
      }
      int readable = in.readableBytes();
      long oversizeId = BadFrame.NO_REQUEST_ID;
      long length = -1;
      if (readable >= 4) {
        length = in.getUnsignedInt(in.readerIndex());
        if (length > Math.min(maxFrameBytes, limitBytes)) {
          if (readable < 4 + FRAME_HEADER_BYTES) {
            return null; // wait for the request id
          }
          oversizeId = in.getLong(in.readerIndex() + 4);
          if (length <= maxFrameBytes) {
            failed = true;
            in.skipBytes(in.readableBytes());
            return new BadFrame(oversizeId, "frame of " + length + " bytes before Hello exceeds "
                + limitBytes + " bytes", true);
          }
        }
      }
      try {
        Object frame = super.decode(ctx, in);
        if (frame instanceof ByteBuf buf && buf.readableBytes() <= FRAME_HEADER_BYTES) {
          int size = buf.readableBytes();
          buf.release();
          failed = true;
          return new BadFrame(BadFrame.NO_REQUEST_ID,
              "frame of " + size + " bytes is shorter than the " + (FRAME_HEADER_BYTES + 1)
                  + "-byte minimum", true);
        }
        return frame;
      } catch (TooLongFrameException e) {
        return new BadFrame(oversizeId,
            "frame of " + length + " bytes exceeds maxFrameBytes " + maxFrameBytes, false);
      } catch (CorruptedFrameException e) {
        failed = true;
        return new BadFrame(BadFrame.NO_REQUEST_ID, "corrupt frame: " + e.getMessage(), true);
      }
    }
  }

  /** Splits a frame into its request-id header and message. */
  static final class MessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
      long requestId = frame.readLong();
      try {
        Message message = Messages.decode(frame);
        long inner = Messages.requestIdOf(message);
        if (inner != requestId) {
          out.add(new BadFrame(requestId, "frame header says request " + requestId + " but its "
              + message.getClass().getSimpleName() + " says " + inner, false));
          return;
        }
        out.add(message);
      } catch (ProtocolException e) {
        out.add(new BadFrame(requestId, e.getMessage(), false));
      }
    }
  }

  /** Writes the request-id header and the message; the prepender adds the length. */
  static final class MessageEncoder extends MessageToByteEncoder<Message> {
    private final int maxFrameBytes;

    MessageEncoder(int maxFrameBytes) {
      super(Message.class);
      this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message message, ByteBuf out) {
      out.writeLong(Messages.requestIdOf(message));
      Messages.encode(message, out, maxFrameBytes - FRAME_HEADER_BYTES);
    }
  }
}
