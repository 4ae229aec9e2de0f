package io.ringkv.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Message;
import io.ringkv.transport.TransportConfig;
import io.ringkv.protocol.WireCodec;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Netty frame codec of {@link WireCodec} as installed on every connection: encode a message into a
 * length-prefixed frame ({@code encode}), and encode then split and decode it again ({@code roundTrip}),
 * through a real pipeline on an {@link EmbeddedChannel} with the pooled allocator.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.O1, BenchJvm.O2, BenchJvm.O3, BenchJvm.O4, BenchJvm.O5, BenchJvm.O6,
    BenchJvm.E1, BenchJvm.E2, BenchJvm.E3, BenchJvm.E4, BenchJvm.E5, BenchJvm.NO_ANALYTICS, BenchJvm.HEAP})
public class FrameCodecBenchmark {
  @Param({"put", "getReply"})
  public String message;

  @Param({"1024"})
  public int valueBytes;

  private EmbeddedChannel channel;
  private Message msg;

  @Setup
  public void setUp() {
    byte[] value = Fixtures.value(valueBytes, 7);
    byte[] key = Fixtures.keys(1, 1)[0];
    msg = message.equals("put")
        ? new PutRequest(1L, key, value, new byte[40], 0, 0)
        : new GetReply(1L, List.of(value), new byte[40], 2);
    channel = new EmbeddedChannel();
    WireCodec.install(channel.pipeline(), TransportConfig.DEFAULTS.maxFrameBytes());
  }

  @TearDown
  public void tearDown() {
    channel.finishAndReleaseAll();
  }

  @Benchmark
  public int encode() {
    channel.writeOutbound(msg);
    ByteBuf frame = channel.readOutbound();
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public Object roundTrip() {
    channel.writeOutbound(msg);
    ByteBuf frame = channel.readOutbound();
    channel.writeInbound(frame);
    return channel.readInbound();
  }
}
