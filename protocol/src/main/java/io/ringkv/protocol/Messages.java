package io.ringkv.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.ringkv.protocol.ClientMessages.DeleteReply;
import io.ringkv.protocol.ClientMessages.DeleteRequest;
import io.ringkv.protocol.ClientMessages.ErrorReply;
import io.ringkv.protocol.ClientMessages.GetReply;
import io.ringkv.protocol.ClientMessages.GetRequest;
import io.ringkv.protocol.ClientMessages.Hello;
import io.ringkv.protocol.ClientMessages.HelloOk;
import io.ringkv.protocol.ClientMessages.InfoReply;
import io.ringkv.protocol.ClientMessages.InfoRequest;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.protocol.ClientMessages.PutReply;
import io.ringkv.protocol.ClientMessages.PutRequest;
import io.ringkv.protocol.ClientMessages.ReplicaView;
import io.ringkv.protocol.ClientMessages.WhereReply;
import io.ringkv.protocol.ClientMessages.AdminReply;
import io.ringkv.protocol.ClientMessages.LeaveRequest;
import io.ringkv.protocol.ClientMessages.RemoveNodeRequest;
import io.ringkv.protocol.ClientMessages.StopNodeRequest;
import io.ringkv.protocol.ClientMessages.VerifyReply;
import io.ringkv.protocol.ClientMessages.VerifyRequest;
import io.ringkv.protocol.ClientMessages.WhereRequest;
import io.ringkv.protocol.ClientMessages.KeysRequest;
import io.ringkv.protocol.ClientMessages.KeysReply;
import io.ringkv.protocol.ClientMessages.StatsRequest;
import io.ringkv.protocol.ClientMessages.StatsReply;
import io.ringkv.protocol.ClientMessages.NodeStats;
import io.ringkv.protocol.ClientMessages.OpStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The wire registry and codec of every {@link Message}: Kryo 5 with registration required, no
 * references, and a <b>fixed id per class</b>, so that two builds that agree on
 * {@link #PROTOCOL_VERSION} agree on the bytes. Never renumber an id; add new classes at free ids and
 * bump {@link #PROTOCOL_VERSION} when an existing message changes shape.
 *
 * <p>Id ranges:
 * <ul>
 *   <li>0..9 Kryo's primitives and String (String re-registered with a bounded serializer)
 *   <li>10..19 wire building blocks: byte[], List implementations, {@link ErrorCode}
 *   <li>20..39 {@link ClientMessages}
 *   <li>40..59 replica messages (internode: {@code io.ringkv.internode.ReplicaMessages})
 *   <li>60..79 gossip messages ({@code io.ringkv.internode.GossipMessages})
 *   <li>80..99 hinted handoff and anti-entropy messages ({@code io.ringkv.internode.AntiEntropyMessages})
 *   <li>100..119 storage types (VersionVector, VersionedObject, ...: {@code StorageKryo.register})
 *   <li>120..149 client messages added after version 3 ({@link ClientMessages}): 120..125 KEYS and the
 *       dashboard's figures; 126..129 their node-to-node halves (internode, ring-node's InternodeWire);
 *       140 STOP
 *   <li>150..159 internode messages added after version 3: 150..152 the internode handshake's proof of
 *       membership ({@code io.ringkv.internode.PeerAuthMessages})
 * </ul>
 *
 * <p>This module holds the client protocol only. The internode types (40..119, 150..159) are
 * registered by the server's {@link WireExtension}, found with {@link ServiceLoader}: a client process
 * does not have them and refuses such frames.
 *
 * <p>Records are encoded by Kryo's {@code RecordSerializer} through their canonical constructors,
 * so a record's validation runs on decode too. byte[], String and List use {@link WireSerializers},
 * which check every decoded length against the bytes left in the frame: decoding garbage throws a
 * {@link ProtocolException}, never an OutOfMemoryError. Each thread uses its own Kryo instance;
 * all methods are thread-safe.
 */
public final class Messages {
  static {
    // Kryo's Util loads its sun.misc.Unsafe helper unless told not to, and JDK 24+ prints a warning to
    // stderr at that first use (JEP 498), into every REPL session. ringkv never asks Kryo for its Unsafe
    // fields or streams, so nothing is lost; a user's own -Dkryo.unsafe is left as it is.
    if (System.getProperty("kryo.unsafe") == null) {
      System.setProperty("kryo.unsafe", "false");
    }
  }

  /**
   * The protocol version this build speaks; sent in {@link ClientMessages.Hello}. 2: gossip's Member and
   * INFO's NodeInfo carry the node's activity line. 3: member status REMOVING, RemovalStreamRequest,
   * error code INDETERMINATE, and versioned objects may carry superseded write ids (a flag in the sibling count).
   * 4: KEYS and STATS (ids 120..129); the client protocol alone is in ringkv-protocol.
   * 5: STOP (id 140); ErrorReply carries required/alive replicas; GET/PUT/DELETE may ask for a sloppy
   * quorum; VerifyReply the pending cleanup; INFO's
   * cluster view the live nodes.
   */
  public static final int PROTOCOL_VERSION = 5;

  /** First and last id of client messages added after protocol version 3 (ids 20..39 are full). */
  public static final int CLIENT_EXTRA_ID_FIRST = 120;
  public static final int CLIENT_EXTRA_ID_LAST = 149;
  public static final int INTERNODE_EXTRA_ID_FIRST = 150;
  public static final int INTERNODE_EXTRA_ID_LAST = 159;

  public static final int GOSSIP_ID_FIRST = 60;
  public static final int GOSSIP_ID_LAST = 79;
  public static final int HANDOFF_ID_FIRST = 80;
  public static final int HANDOFF_ID_LAST = 99;
  public static final int STORAGE_ID_FIRST = 100;
  public static final int STORAGE_ID_LAST = 119;

  /** Nesting depth a decoded message may have (default 32; our deepest message nests about 6). */
  public static final int KRYO_MAX_DEPTH = 32;

  /** Initial encode buffer per pooled Kryo; encoding streams into the frame's ByteBuf beyond it. */
  private static final int OUTPUT_BUFFER_BYTES = 8 * 1024;

  /**
   * One codec per thread. The threads that encode and decode are few and long-lived (network, core,
   * storage, client threads), and a thread-local costs no lock, where a shared pool cost two lock
   * operations per message (the profile in bench/results/profile-2026-11-22.md).
   */
  private static final ThreadLocal<Codec> CODECS = ThreadLocal.withInitial(() -> new Codec(newKryo()));

  /** The wire extensions on the class path (a server's internode messages); none in a client. */
  private static final List<WireExtension> EXTENSIONS = ServiceLoader.load(WireExtension.class,
      Messages.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();

  private Messages() {}

  /** True when this process registers internode types (a server); false in a client-only process. */
  public static boolean hasExtensions() {
    return !EXTENSIONS.isEmpty();
  }

  /** A Kryo with every wire type registered at its fixed id. Not thread-safe; prefer the static codec. */
  public static Kryo newKryo() {
    Kryo kryo = new Kryo(new WireSerializers.IdOnlyClassResolver(), new MapReferenceResolver());
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setMaxDepth(KRYO_MAX_DEPTH);
    register(kryo);
    return kryo;
  }

  /** Registers every wire type on {@code kryo}; the ids are the protocol, see the class comment. */
  public static void register(Kryo kryo) {
    kryo.register(String.class, new WireSerializers.Utf8String(), 1);

    kryo.register(byte[].class, new WireSerializers.Bytes(), 10);
    WireSerializers.BoundedList lists = new WireSerializers.BoundedList();
    kryo.register(ArrayList.class, lists, 11);
    kryo.register(List.of(1).getClass(), lists, 12); // ImmutableCollections.List12
    kryo.register(List.of().getClass(), lists, 13); // ImmutableCollections.ListN
    kryo.register(Arrays.asList().getClass(), lists, 14);
    kryo.register(Collections.emptyList().getClass(), lists, 15);
    kryo.register(Collections.singletonList(1).getClass(), lists, 16);
    kryo.register(Collections.unmodifiableList(new ArrayList<>()).getClass(), lists, 17);
    kryo.register(ErrorCode.class, 18);
    kryo.register(LinkedList.class, lists, 19);

    kryo.register(Hello.class, 20);
    kryo.register(HelloOk.class, 21);
    kryo.register(GetRequest.class, 22);
    kryo.register(GetReply.class, 23);
    kryo.register(PutRequest.class, 24);
    kryo.register(PutReply.class, 25);
    kryo.register(DeleteRequest.class, 26);
    kryo.register(DeleteReply.class, 27);
    kryo.register(InfoRequest.class, 28);
    kryo.register(InfoReply.class, 29);
    kryo.register(NodeInfo.class, 30);
    kryo.register(WhereRequest.class, 31);
    kryo.register(WhereReply.class, 32);
    kryo.register(ReplicaView.class, 33);
    kryo.register(ErrorReply.class, 34);
    kryo.register(VerifyRequest.class, 35);
    kryo.register(VerifyReply.class, 36);
    kryo.register(RemoveNodeRequest.class, 37);
    kryo.register(AdminReply.class, 38);
    kryo.register(LeaveRequest.class, 39);
    // Client messages added after protocol version 3 take ids from CLIENT_EXTRA_ID_FIRST on.

    // 120..125: KEYS and the dashboard's figures (issue 13)
    kryo.register(KeysRequest.class, 120);
    kryo.register(KeysReply.class, 121);
    kryo.register(StatsRequest.class, 122);
    kryo.register(StatsReply.class, 123);
    kryo.register(NodeStats.class, 124);
    kryo.register(OpStats.class, 125);

    // 140: STOP (issue 16 item 3)
    kryo.register(StopNodeRequest.class, 140);

    // Internode types (replication, gossip, anti-entropy, storage) come from the server's WireExtension.
    for (WireExtension extension : EXTENSIONS) {
      extension.register(kryo);
    }
    checkClientIds(kryo);
  }

  /** The client protocol's classes by id: an extension that registers over one of them is a build error. */
  private static final Map<Integer, Class<?>> CLIENT_IDS = Map.ofEntries(
      Map.entry(20, Hello.class), Map.entry(21, HelloOk.class), Map.entry(22, GetRequest.class),
      Map.entry(23, GetReply.class), Map.entry(24, PutRequest.class), Map.entry(25, PutReply.class),
      Map.entry(26, DeleteRequest.class), Map.entry(27, DeleteReply.class), Map.entry(28, InfoRequest.class),
      Map.entry(29, InfoReply.class), Map.entry(30, NodeInfo.class), Map.entry(31, WhereRequest.class),
      Map.entry(32, WhereReply.class), Map.entry(33, ReplicaView.class), Map.entry(34, ErrorReply.class),
      Map.entry(35, VerifyRequest.class), Map.entry(36, VerifyReply.class),
      Map.entry(37, RemoveNodeRequest.class), Map.entry(38, AdminReply.class), Map.entry(39, LeaveRequest.class),
      Map.entry(120, KeysRequest.class), Map.entry(121, KeysReply.class), Map.entry(122, StatsRequest.class),
      Map.entry(123, StatsReply.class), Map.entry(124, NodeStats.class), Map.entry(125, OpStats.class),
      Map.entry(140, StopNodeRequest.class),
      Map.entry(10, byte[].class), Map.entry(18, ErrorCode.class), Map.entry(1, String.class));

  private static void checkClientIds(Kryo kryo) {
    CLIENT_IDS.forEach((id, type) -> {
      var registration = kryo.getRegistration(id);
      if (registration == null || registration.getType() != type) {
        throw new IllegalStateException("wire id " + id + " belongs to " + type.getSimpleName()
            + " but a WireExtension registered " + (registration == null ? "nothing" : registration.getType().getName())
            + " there; extensions must keep to their own id ranges");
      }
    });
  }

  /** The request id a frame carrying {@code message} is labelled with: its request's or reply's, else 0. */
  public static long requestIdOf(Message message) {
    if (message instanceof Request r) {
      return r.requestId();
    }
    if (message instanceof Reply r) {
      return r.requestId();
    }
    return 0;
  }

  /**
   * Appends {@code message} to {@code out}. Throws {@link ProtocolException} when it is not registered
   * or its encoding exceeds {@code maxBytes}; {@code out}'s writer index is then unchanged.
   */
  public static void encode(Message message, ByteBuf out, int maxBytes) {
    int start = out.writerIndex();
    Codec codec = CODECS.get();
    try {
      Output output = codec.output;
      output.setOutputStream(new ByteBufOutputStream(out));
      codec.kryo.writeClassAndObject(output, message);
      output.flush();
    } catch (KryoException | IllegalArgumentException e) {
      out.writerIndex(start);
      throw new ProtocolException("cannot encode " + message.getClass().getSimpleName() + ": " + e.getMessage(), e);
    } finally {
      codec.output.setOutputStream(null);
    }
    int length = out.writerIndex() - start;
    if (length > maxBytes) {
      out.writerIndex(start);
      throw new ProtocolException(message.getClass().getSimpleName() + " encodes to " + length
          + " bytes, over the limit of " + maxBytes);
    }
  }

  /** The encoding of {@code message}, for tests and the simulated network. */
  public static byte[] toBytes(Message message) {
    Codec codec = CODECS.get();
    try {
      Output output = new Output(OUTPUT_BUFFER_BYTES, -1);
      codec.kryo.writeClassAndObject(output, message);
      return output.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      throw new ProtocolException("cannot encode " + message.getClass().getSimpleName() + ": " + e.getMessage(), e);
    } finally {
      codec.kryo.reset();
    }
  }

  /** Decodes the whole readable content of {@code in} (one frame body) as one message. */
  public static Message decode(ByteBuf in) {
    byte[] bytes = new byte[in.readableBytes()];
    in.readBytes(bytes);
    return fromBytes(bytes);
  }

  /**
   * Decodes exactly one message from {@code bytes}. Throws {@link ProtocolException} naming the problem
   * when the bytes are not one complete registered message.
   */
  public static Message fromBytes(byte[] bytes) {
    if (bytes.length == 0) {
      throw new ProtocolException("empty message");
    }
    Codec codec = CODECS.get();
    Object decoded;
    Input input = new BoundedInput(bytes);
    try {
      decoded = codec.kryo.readClassAndObject(input);
    } catch (KryoException e) {
      throw new ProtocolException("cannot decode message: " + firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      // A record constructor refusing the decoded fields, a class cast on a component, ...
      throw new ProtocolException("cannot decode message: " + e, e);
    } finally {
      // A failed read can leave Kryo mid-graph; reset so the thread's next use starts clean.
      codec.kryo.reset();
    }
    if (!(decoded instanceof Message message)) {
      throw new ProtocolException("frame holds a " + (decoded == null ? "null" : decoded.getClass().getSimpleName())
          + ", not a message");
    }
    if (input.position() != bytes.length) {
      throw new ProtocolException(message.getClass().getSimpleName() + " is followed by "
          + (bytes.length - input.position()) + " unexpected bytes");
    }
    return message;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed input";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static final class Codec {
    final Kryo kryo;
    final Output output = new Output(OUTPUT_BUFFER_BYTES, -1);

    Codec(Kryo kryo) {
      this.kryo = kryo;
    }
  }
}
