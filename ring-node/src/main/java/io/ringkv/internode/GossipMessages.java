package io.ringkv.internode;

import io.ringkv.protocol.Message;
import io.ringkv.protocol.Messages;
import io.ringkv.protocol.WireSerializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.ringkv.gossip.ClusterMetadata;
import io.ringkv.gossip.Digest;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipConfig;
import io.ringkv.gossip.GossipPayload;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Gossip on the wire: {@link Message} wrappers of the {@link GossipPayload} legs, and their Kryo
 * registration with fixed ids.
 *
 * <p>Every type is written by a hand-written serializer: nested values (members, digests, endpoints,
 * metadata) are written inline, never as class ids, and every list length is checked against its
 * bound <em>before</em> anything is allocated, so a hostile length prefix cannot exhaust memory.
 *
 * <h2>Kryo ids (60..79 belong to gossip)</h2>
 * <pre>
 *   60 GossipSyn   61 GossipAck   62 GossipAck2   63 GossipReject      (the Messages)
 *   64 Syn         65 Ack         66 Ack2         67 Reject            (the payloads, if sent bare)
 *   68 Member      69 Digest      70 ClusterMetadata                   71 MemberStatus
 *   72..79 reserved
 * </pre>
 * {@link Endpoint}, {@link String} and the list classes are not registered here: they are only ever
 * written inline by these serializers.
 */
public final class GossipMessages {
  public static final int FIRST_ID = 60;
  public static final int LAST_ID = 79;

  private GossipMessages() {}

  /** A gossip message: a {@link Message} carrying one gossip payload. */
  public sealed interface GossipMessage extends Message permits GossipSyn, GossipAck, GossipAck2, GossipReject {
    GossipPayload payload();
  }

  public record GossipSyn(GossipPayload.Syn payload) implements GossipMessage {}

  public record GossipAck(GossipPayload.Ack payload) implements GossipMessage {}

  public record GossipAck2(GossipPayload.Ack2 payload) implements GossipMessage {}

  public record GossipReject(GossipPayload.Reject payload) implements GossipMessage {}

  /** The message that carries {@code payload}. */
  public static GossipMessage wrap(GossipPayload payload) {
    if (payload instanceof GossipPayload.Syn s) {
      return new GossipSyn(s);
    } else if (payload instanceof GossipPayload.Ack a) {
      return new GossipAck(a);
    } else if (payload instanceof GossipPayload.Ack2 a2) {
      return new GossipAck2(a2);
    } else {
      return new GossipReject((GossipPayload.Reject) payload);
    }
  }

  /** Registers every gossip type with its fixed id (see the class comment). */
  public static void register(Kryo kryo) {
    SynSerializer syn = new SynSerializer();
    AckSerializer ack = new AckSerializer();
    Ack2Serializer ack2 = new Ack2Serializer();
    RejectSerializer reject = new RejectSerializer();
    kryo.register(GossipSyn.class, new Wrapping<>(syn, GossipSyn::new, GossipSyn::payload), 60);
    kryo.register(GossipAck.class, new Wrapping<>(ack, GossipAck::new, GossipAck::payload), 61);
    kryo.register(GossipAck2.class, new Wrapping<>(ack2, GossipAck2::new, GossipAck2::payload), 62);
    kryo.register(GossipReject.class, new Wrapping<>(reject, GossipReject::new, GossipReject::payload), 63);
    kryo.register(GossipPayload.Syn.class, syn, 64);
    kryo.register(GossipPayload.Ack.class, ack, 65);
    kryo.register(GossipPayload.Ack2.class, ack2, 66);
    kryo.register(GossipPayload.Reject.class, reject, 67);
    kryo.register(Member.class, new Leaf<>(GossipMessages::writeMember, GossipMessages::readMember), 68);
    kryo.register(Digest.class, new Leaf<>(GossipMessages::writeDigest, GossipMessages::readDigest), 69);
    kryo.register(ClusterMetadata.class, new Leaf<>(GossipMessages::writeMetadata, GossipMessages::readMetadata), 70);
    kryo.register(MemberStatus.class, new Leaf<>(
        (out, s) -> out.writeVarInt(s.ordinal(), true), GossipMessages::readStatus), 71);
  }

  // ---- inline encodings ----

  private static void writeEndpoint(Output out, Endpoint e) {
    WireSerializers.writeString(out, e.host());
    out.writeVarInt(e.port(), true);
  }

  private static Endpoint readEndpoint(Input in) {
    return new Endpoint(WireSerializers.readString(in), in.readVarInt(true));
  }

  private static void writeMember(Output out, Member m) {
    WireSerializers.writeString(out, m.id());
    writeEndpoint(out, m.endpoint());
    out.writeVarInt(m.tokens().size(), true);
    for (long t : m.tokens()) {
      out.writeLong(t); // random tokens use all 64 bits: fixed 8 bytes beats a 9-10 byte varint
    }
    out.writeVarInt(m.status().ordinal(), true);
    out.writeVarLong(m.generation(), true);
    out.writeVarLong(m.version(), true);
    out.writeVarLong(m.stateVersion(), true);
    WireSerializers.writeString(out, m.activity());
  }

  private static Member readMember(Input in) {
    String id = WireSerializers.readString(in);
    Endpoint endpoint = readEndpoint(in);
    int n = readLength(in, Member.MAX_TOKENS, "Member.tokens");
    List<Long> tokens = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      tokens.add(in.readLong());
    }
    MemberStatus status = readStatus(in);
    long generation = in.readVarLong(true);
    long version = in.readVarLong(true);
    long stateVersion = in.readVarLong(true);
    // a UTF-16 char takes at most 3 UTF-8 bytes; Member checks the characters themselves
    String activity = readBoundedString(in, 3 * Member.MAX_ACTIVITY_LENGTH, "Member.activity");
    return new Member(id, endpoint, tokens, status, generation, version, stateVersion, activity);
  }

  /** A string written by {@link WireSerializers#writeString}, refused before reading when over {@code maxBytes}. */
  private static String readBoundedString(Input in, int maxBytes, String what) {
    int lengthPlusOne = in.readVarInt(true);
    if (lengthPlusOne == 0) {
      return null;
    }
    long length = Integer.toUnsignedLong(lengthPlusOne) - 1;
    if (length > maxBytes) {
      throw new KryoException(what + ": " + length + " bytes is over its bound " + maxBytes);
    }
    if (length > WireSerializers.remaining(in)) {
      throw new KryoException(what + " of " + length + " bytes is longer than the " + WireSerializers.remaining(in)
          + " bytes left in the frame");
    }
    return new String(in.readBytes((int) length), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static MemberStatus readStatus(Input in) {
    int ordinal = in.readVarInt(true);
    MemberStatus[] all = MemberStatus.values();
    if (ordinal >= all.length) {
      throw new KryoException("unknown MemberStatus ordinal " + ordinal);
    }
    return all[ordinal];
  }

  private static void writeDigest(Output out, Digest d) {
    WireSerializers.writeString(out, d.id());
    out.writeVarLong(d.generation(), false); // -1 marks "unknown" in an Ack's requests
    out.writeVarLong(d.version(), false);
    out.writeVarLong(d.stateVersion(), false);
  }

  private static Digest readDigest(Input in) {
    return new Digest(WireSerializers.readString(in), in.readVarLong(false), in.readVarLong(false), in.readVarLong(false));
  }

  private static void writeMetadata(Output out, ClusterMetadata m) {
    WireSerializers.writeString(out, m.clusterName());
    out.writeVarInt(m.replicationFactor(), true);
    WireSerializers.writeString(out, m.keyFormat());
  }

  private static ClusterMetadata readMetadata(Input in) {
    return new ClusterMetadata(WireSerializers.readString(in), in.readVarInt(true), WireSerializers.readString(in));
  }

  private static <T> void writeList(Output out, List<T> list, ItemWriter<T> item) {
    out.writeVarInt(list.size(), true);
    for (T t : list) {
      item.write(out, t);
    }
  }

  private static <T> List<T> readList(Input in, int max, String what, ItemReader<T> item) {
    int n = readLength(in, max, what);
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(item.read(in));
    }
    return out;
  }

  private static int readLength(Input in, int max, String what) {
    int n = in.readVarInt(true);
    if (n < 0 || n > max) {
      throw new KryoException(what + ": length " + n + " is over its bound " + max);
    }
    return n;
  }

  @FunctionalInterface
  private interface ItemWriter<T> {
    void write(Output out, T item);
  }

  @FunctionalInterface
  private interface ItemReader<T> {
    T read(Input in);
  }

  // ---- serializers ----

  private static final class Leaf<T> extends Serializer<T> {
    private final ItemWriter<T> writer;
    private final ItemReader<T> reader;

    Leaf(ItemWriter<T> writer, ItemReader<T> reader) {
      super(false, true);
      this.writer = writer;
      this.reader = reader;
    }

    @Override
    public void write(Kryo kryo, Output output, T object) {
      writer.write(output, object);
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
      return decode(() -> reader.read(input));
    }
  }

  private static final class SynSerializer extends Serializer<GossipPayload.Syn> {
    SynSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, GossipPayload.Syn s) {
      WireSerializers.writeString(out, s.senderId());
      writeMetadata(out, s.metadata());
      writeList(out, s.digests(), GossipMessages::writeDigest);
    }

    @Override
    public GossipPayload.Syn read(Kryo kryo, Input in, Class<? extends GossipPayload.Syn> type) {
      return decode(() -> new GossipPayload.Syn(WireSerializers.readString(in), readMetadata(in),
          readList(in, GossipPayload.MAX_DIGESTS, "Syn.digests", GossipMessages::readDigest)));
    }
  }

  private static final class AckSerializer extends Serializer<GossipPayload.Ack> {
    AckSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, GossipPayload.Ack a) {
      WireSerializers.writeString(out, a.senderId());
      writeList(out, a.states(), GossipMessages::writeMember);
      writeList(out, a.heartbeats(), GossipMessages::writeDigest);
      writeList(out, a.requests(), GossipMessages::writeDigest);
    }

    @Override
    public GossipPayload.Ack read(Kryo kryo, Input in, Class<? extends GossipPayload.Ack> type) {
      return decode(() -> new GossipPayload.Ack(WireSerializers.readString(in),
          readList(in, GossipConfig.MAX_STATES_PER_MESSAGE, "Ack.states", GossipMessages::readMember),
          readList(in, GossipPayload.MAX_DIGESTS, "Ack.heartbeats", GossipMessages::readDigest),
          readList(in, GossipPayload.MAX_DIGESTS, "Ack.requests", GossipMessages::readDigest)));
    }
  }

  private static final class Ack2Serializer extends Serializer<GossipPayload.Ack2> {
    Ack2Serializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, GossipPayload.Ack2 a) {
      WireSerializers.writeString(out, a.senderId());
      writeList(out, a.states(), GossipMessages::writeMember);
      writeList(out, a.heartbeats(), GossipMessages::writeDigest);
    }

    @Override
    public GossipPayload.Ack2 read(Kryo kryo, Input in, Class<? extends GossipPayload.Ack2> type) {
      return decode(() -> new GossipPayload.Ack2(WireSerializers.readString(in),
          readList(in, GossipConfig.MAX_STATES_PER_MESSAGE, "Ack2.states", GossipMessages::readMember),
          readList(in, GossipPayload.MAX_DIGESTS, "Ack2.heartbeats", GossipMessages::readDigest)));
    }
  }

  private static final class RejectSerializer extends Serializer<GossipPayload.Reject> {
    RejectSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, GossipPayload.Reject r) {
      WireSerializers.writeString(out, r.senderId());
      WireSerializers.writeString(out, r.reason());
    }

    @Override
    public GossipPayload.Reject read(Kryo kryo, Input in, Class<? extends GossipPayload.Reject> type) {
      return decode(() -> new GossipPayload.Reject(WireSerializers.readString(in), WireSerializers.readString(in)));
    }
  }

  /** Serializes a wrapper record as its payload. */
  private static final class Wrapping<W, P> extends Serializer<W> {
    private final Serializer<P> inner;
    private final java.util.function.Function<P, W> wrap;
    private final java.util.function.Function<W, P> unwrap;

    Wrapping(Serializer<P> inner, java.util.function.Function<P, W> wrap, java.util.function.Function<W, P> unwrap) {
      super(false, true);
      this.inner = inner;
      this.wrap = wrap;
      this.unwrap = unwrap;
    }

    @Override
    public void write(Kryo kryo, Output output, W object) {
      inner.write(kryo, output, unwrap.apply(object));
    }

    @Override
    public W read(Kryo kryo, Input input, Class<? extends W> type) {
      return wrap.apply(inner.read(kryo, input, null));
    }
  }

  /** Turns the records' validation failures (bad ids, oversized lists) into Kryo decode errors. */
  private static <T> T decode(java.util.function.Supplier<T> reader) {
    try {
      return reader.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new KryoException("invalid gossip data: " + e.getMessage(), e);
    }
  }
}
