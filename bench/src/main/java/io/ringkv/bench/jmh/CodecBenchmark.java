package io.ringkv.bench.jmh;

import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.internode.ReplicaMessages.ReplicaMerge;
import io.ringkv.storage.causality.VersionedObject;
import io.ringkv.storage.codec.RecordCodec;
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

/**
 * The Kryo codecs: a stored object ({@link RecordCodec}, what every storage get/write/merge decodes and
 * encodes) and wire messages ({@link Messages}: a client PUT, a GET reply, a replica MERGE that carries a
 * {@link VersionedObject}), each with {@code valueBytes} values.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.O1, BenchJvm.O2, BenchJvm.O3, BenchJvm.O4, BenchJvm.O5, BenchJvm.O6,
    BenchJvm.E1, BenchJvm.E2, BenchJvm.E3, BenchJvm.E4, BenchJvm.E5, BenchJvm.NO_ANALYTICS, BenchJvm.HEAP})
public class CodecBenchmark {
  @Param({"1024"})
  public int valueBytes;

  private VersionedObject object;
  private byte[] record;
  private Message put;
  private byte[] putBytes;
  private Message getReply;
  private byte[] getReplyBytes;
  private Message merge;
  private byte[] mergeBytes;

  @Setup
  public void setUp() {
    byte[] value = Fixtures.value(valueBytes, 7);
    byte[] key = Fixtures.keys(1, 1)[0];
    object = Fixtures.withSiblings(1, "node-", value);
    record = RecordCodec.encode(object);
    byte[] context = new byte[40];
    put = new PutRequest(123456L, key, value, context, 0, 0);
    putBytes = Messages.toBytes(put);
    getReply = new GetReply(123457L, List.of(value), context, 2);
    getReplyBytes = Messages.toBytes(getReply);
    merge = new ReplicaMerge(123458L, key, object, null);
    mergeBytes = Messages.toBytes(merge);
  }

  @Benchmark
  public byte[] recordEncode() {
    return RecordCodec.encode(object);
  }

  @Benchmark
  public VersionedObject recordDecode() {
    return RecordCodec.decode(record);
  }

  @Benchmark
  public byte[] putRequestEncode() {
    return Messages.toBytes(put);
  }

  @Benchmark
  public Message putRequestDecode() {
    return Messages.fromBytes(putBytes);
  }

  @Benchmark
  public byte[] getReplyEncode() {
    return Messages.toBytes(getReply);
  }

  @Benchmark
  public Message getReplyDecode() {
    return Messages.fromBytes(getReplyBytes);
  }

  @Benchmark
  public byte[] replicaMergeEncode() {
    return Messages.toBytes(merge);
  }

  @Benchmark
  public Message replicaMergeDecode() {
    return Messages.fromBytes(mergeBytes);
  }
}
