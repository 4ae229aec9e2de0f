package io.ringkv.antientropy;

import io.ringkv.internode.AntiEntropyMessages.FetchReply;
import io.ringkv.internode.AntiEntropyMessages.FetchRequest;
import io.ringkv.internode.AntiEntropyMessages.GcCheck;
import io.ringkv.internode.AntiEntropyMessages.KeysReply;
import io.ringkv.internode.AntiEntropyMessages.KeysRequest;
import io.ringkv.internode.AntiEntropyMessages.PushReply;
import io.ringkv.internode.AntiEntropyMessages.PushRequest;
import io.ringkv.internode.AntiEntropyMessages.TreeReply;
import io.ringkv.internode.AntiEntropyMessages.TreeRequest;
import io.ringkv.protocol.Message;
import io.ringkv.storage.causality.Sibling;
import io.ringkv.storage.causality.VersionedObject;
import java.util.List;
import java.util.Map;

/**
 * A cheap estimate of a message's encoded size, for the byte throttle and the metrics (the exact Kryo
 * size is what the tests measure). It counts payload bytes plus a fixed 16 bytes of header per message
 * and 4 per list element, and never encodes anything.
 */
final class WireSize {
  static final int HEADER = 16;

  private WireSize() {}

  static long of(Message m) {
    long n = HEADER;
    if (m instanceof TreeRequest t) {
      n += t.range().length() + t.parents().length;
    } else if (m instanceof TreeReply t) {
      n += t.hashes().length;
    } else if (m instanceof KeysRequest k) {
      n += k.range().length() + k.leaves().length;
    } else if (m instanceof KeysReply k) {
      n += k.entries().length;
    } else if (m instanceof FetchRequest f) {
      n += keys(f.keys());
    } else if (m instanceof FetchReply f) {
      n += keys(f.keys()) + objects(f.objects());
    } else if (m instanceof PushRequest p) {
      n += keys(p.keys()) + objects(p.objects());
    } else if (m instanceof PushReply p) {
      n += keys(p.purgedKeys()) + objects(p.purgedContexts());
    } else if (m instanceof GcCheck g) {
      n += keys(g.keys()) + objects(g.tombstones());
    }
    return n;
  }

  static long of(VersionedObject o) {
    if (o == null) {
      return 1;
    }
    long n = 4;
    for (Map.Entry<String, Long> e : o.context().asMap().entrySet()) {
      n += e.getKey().length() + 9;
    }
    for (Sibling s : o.allSiblings()) { // hidden copies of superseded writes travel too
      n += s.dot().node().length() + 26 + s.size(); // counter, writtenAtMs, writeId, flags
    }
    return n + 12L * o.superseded().size(); // write id and age per superseded write
  }

  private static long keys(List<byte[]> keys) {
    long n = 0;
    for (byte[] k : keys) {
      n += k.length + 4;
    }
    return n;
  }

  private static long objects(List<VersionedObject> objects) {
    long n = 0;
    for (VersionedObject o : objects) {
      n += of(o);
    }
    return n;
  }
}
