package io.ringkv.gossip;

import io.ringkv.gossip.GossipPayload.Ack;
import io.ringkv.gossip.GossipPayload.Ack2;
import io.ringkv.gossip.GossipPayload.Reject;
import io.ringkv.gossip.GossipPayload.Syn;
import io.ringkv.gossip.GossipResult.Outbound;
import io.ringkv.gossip.MembershipEvent.Joined;
import io.ringkv.gossip.MembershipEvent.LivenessChanged;
import io.ringkv.gossip.MembershipEvent.PeerRejected;
import io.ringkv.gossip.MembershipEvent.Rejected;
import io.ringkv.gossip.MembershipEvent.Restarted;
import io.ringkv.gossip.MembershipEvent.StatusChanged;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One node's membership state machine: anti-entropy gossip of {@link Member} states in the style of
 * Cassandra's Gossiper (push-pull with digests, three legs) plus a local
 * {@link PhiAccrualFailureDetector}.
 *
 * <h2>How a node drives it</h2>
 * <ul>
 *   <li>every {@link GossipConfig#gossipIntervalMs()}: {@link #tick(long)} — bumps the local heartbeat
 *       version, re-evaluates liveness, returns a {@link Syn} for up to {@code fanout} random live
 *       peers, with probability #down/(#live+1) one down peer (so partitions heal), and, when no seed
 *       was picked, a seed with probability #seeds/(#live+#down) — always while no peer is live, which
 *       is how a node joins through any seed;</li>
 *   <li>on a gossip message from {@code from}: {@link #onMessage(Endpoint, GossipPayload, long)};</li>
 *   <li>send each {@link GossipResult#outbound()} message, log each event, and rebuild the ring from
 *       {@link #view()} when {@link GossipResult#ringChanged()};</li>
 *   <li>ask {@link #isAlive(String, long)} for preference lists and INFO;</li>
 *   <li>{@link #setLocalStatus} on lifecycle changes, {@link #setLocalActivity} (rate-limited by the
 *       caller) to show what the node is busy with.</li>
 * </ul>
 *
 * <h2>Exchange</h2>
 * A → B {@code Syn(digests of everything A knows, A's metadata)}. B refuses with a {@link Reject}
 * when the metadata differs and merges nothing. Otherwise B answers {@code Ack(states B has that are
 * newer than A's digest or unknown to A, digests of what B wants)}; A merges and answers
 * {@code Ack2(the wanted states)}. A state the receiver already holds apart from its heartbeat version
 * (same generation and {@link Member#stateVersion()}) travels as a digest-sized heartbeat, so the
 * steady state costs digests, not tokens. States per message are bounded by
 * {@link GossipConfig#maxStatesPerMessage()}; what does not fit travels in later rounds.
 *
 * <p>Observing a member's (generation, version) grow is a heartbeat for the failure detector; liveness
 * is this node's own opinion and is not gossiped (as in Cassandra: a partitioned node's view must
 * not convict healthy nodes elsewhere).
 *
 * <p>Pure and deterministic: no threads, no clock (time is {@code nowMs}), randomness only from the
 * injected generator; not thread-safe.
 */
public final class Gossiper {
  /** Bound on configured seeds. */
  public static final int MAX_SEEDS = 64;

  private final ClusterMetadata metadata;
  private final List<Endpoint> seeds;
  private final GossipConfig config;
  private final RandomGenerator random;
  private final PhiAccrualFailureDetector detector;
  /** Last reported liveness of each non-gone remote member; keys are a subset of the view's ids. */
  private final Map<String, Boolean> reportedAlive = new HashMap<>();
  private Member local;
  private MembershipView view;
  private boolean joined;
  private long statesDroppedOverLimit;
  /**
   * The local member's state version each peer (by id) has shown it holds: read from the digests of the
   * peer's Syn, and from its Ack to this node's Syn (a peer that asks nothing of the local member holds the
   * version that Syn carried). -1: the peer showed it does not know the local member (it restarted, say).
   * Keys are ids of peers that gossiped with this node; bounded like the view.
   */
  private final Map<String, Long> localStateHeldBy = new HashMap<>();
  /** The local state version of the oldest unanswered Syn sent to each endpoint, until an Ack comes back. */
  private final Map<Endpoint, Long> synStateVersionTo = new HashMap<>();

  public Gossiper(Member local, ClusterMetadata metadata, List<Endpoint> seeds, GossipConfig config,
      RandomGenerator random) {
    this.local = Objects.requireNonNull(local, "local");
    this.metadata = Objects.requireNonNull(metadata, "metadata");
    this.config = Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
    LinkedHashSet<Endpoint> distinct = new LinkedHashSet<>(Objects.requireNonNull(seeds, "seeds"));
    distinct.remove(local.endpoint());
    if (distinct.size() > MAX_SEEDS) {
      throw new IllegalArgumentException("at most " + MAX_SEEDS + " seeds (Gossiper.MAX_SEEDS), got " + distinct.size());
    }
    this.seeds = List.copyOf(distinct);
    this.detector = new PhiAccrualFailureDetector(config);
    this.view = MembershipView.of(local);
  }

  /** One gossip round; call every {@link GossipConfig#gossipIntervalMs()}. */
  public GossipResult tick(long nowMs) {
    local = local.bumped();
    view = view.with(local);
    List<MembershipEvent> events = new ArrayList<>();
    updateLiveness(nowMs, events);

    List<Member> live = new ArrayList<>();
    List<Member> down = new ArrayList<>();
    for (Member m : view.members()) {
      if (m.id().equals(local.id()) || m.status().isGone()) {
        continue;
      }
      (detector.isAvailable(m.id(), nowMs) ? live : down).add(m);
    }
    LinkedHashSet<Endpoint> targets = new LinkedHashSet<>();
    for (Member m : sample(live, config.fanout())) {
      targets.add(m.endpoint());
    }
    if (!down.isEmpty() && random.nextDouble() < down.size() / (double) (live.size() + 1)) {
      targets.add(down.get(random.nextInt(down.size())).endpoint());
    }
    if (!seeds.isEmpty() && targets.stream().noneMatch(seeds::contains)) {
      boolean alone = live.isEmpty();
      if (alone || random.nextDouble() < seeds.size() / (double) (live.size() + down.size())) {
        targets.add(seeds.get(random.nextInt(seeds.size())));
      }
    }
    targets.remove(local.endpoint());

    Syn syn = new Syn(local.id(), metadata, view.digests());
    List<Outbound> out = new ArrayList<>(targets.size());
    if (synStateVersionTo.size() > 4 * (view.members().size() + seeds.size())) {
      synStateVersionTo.clear(); // Acks that never came (peers down): forget them, keep the bound
    }
    for (Endpoint to : targets) {
      out.add(new Outbound(to, syn));
      // an Ack may answer an earlier Syn still unanswered: credit the peer with the oldest version sent
      synStateVersionTo.merge(to, local.stateVersion(), Math::min);
    }
    return new GossipResult(out, events, false);
  }

  /** Dispatches a received gossip payload to the matching {@code on*} method. */
  public GossipResult onMessage(Endpoint from, GossipPayload payload, long nowMs) {
    if (payload instanceof Syn syn) {
      return onSyn(from, syn, nowMs);
    } else if (payload instanceof Ack ack) {
      return onAck(from, ack, nowMs);
    } else if (payload instanceof Ack2 ack2) {
      return onAck2(from, ack2, nowMs);
    } else {
      return onReject(from, (Reject) payload);
    }
  }

  /** Leg 1 received: refuse an incompatible peer, else answer with newer states and wanted digests. */
  public GossipResult onSyn(Endpoint from, Syn syn, long nowMs) {
    Optional<String> incompatibility = metadata.incompatibilityWith(syn.metadata());
    if (incompatibility.isPresent()) {
      String reason = incompatibility.get();
      return new GossipResult(List.of(new Outbound(from, new Reject(local.id(), reason))),
          List.of(new PeerRejected(from, reason)), false);
    }
    joined = true;
    List<Member> states = new ArrayList<>();
    List<Digest> heartbeats = new ArrayList<>();
    List<Digest> wanted = new ArrayList<>();
    Set<String> mentioned = new HashSet<>();
    long heldBySender = -1;
    for (Digest d : syn.digests()) {
      if (!mentioned.add(d.id())) {
        continue;
      }
      if (d.id().equals(local.id()) && d.generation() == local.generation()) {
        heldBySender = d.stateVersion();
      }
      Optional<Member> mine = view.get(d.id());
      if (mine.isEmpty()) {
        wanted.add(Digest.unknown(d.id()));
        continue;
      }
      Member m = mine.get();
      int c = Member.compareVersions(d.generation(), d.version(), m.generation(), m.version());
      if (c > 0) {
        wanted.add(m.digest());
      } else if (c < 0) {
        offer(m, d, states, heartbeats);
      }
    }
    for (Member m : view.members()) {
      if (!mentioned.contains(m.id())) {
        states.add(m);
      }
    }
    if (!syn.senderId().equals(local.id())) {
      localStateHeldBy.put(syn.senderId(), heldBySender);
    }
    Ack ack = new Ack(local.id(), bound(states), heartbeats, wanted);
    return new GossipResult(List.of(new Outbound(from, ack)), List.of(), false);
  }

  /** Leg 2 received: merge the states, send back the ones the peer asked for. */
  public GossipResult onAck(Endpoint from, Ack ack, long nowMs) {
    joined = true;
    List<MembershipEvent> events = new ArrayList<>();
    boolean ringChanged = apply(ack.states(), nowMs, events);
    ringChanged |= applyHeartbeats(ack.heartbeats(), nowMs, events);
    List<Member> states = new ArrayList<>();
    List<Digest> heartbeats = new ArrayList<>();
    Long held = synStateVersionTo.remove(from);
    for (Digest d : ack.requests()) {
      if (d.id().equals(local.id())) {
        held = d.generation() == local.generation() ? d.stateVersion() : -1L;
      }
      Optional<Member> mine = view.get(d.id());
      if (mine.isPresent()
          && Member.compareVersions(mine.get().generation(), mine.get().version(), d.generation(), d.version()) > 0) {
        offer(mine.get(), d, states, heartbeats);
      }
    }
    if (held != null && !ack.senderId().equals(local.id())) {
      localStateHeldBy.put(ack.senderId(), held);
    }
    List<Outbound> out = states.isEmpty() && heartbeats.isEmpty()
        ? List.of()
        : List.of(new Outbound(from, new Ack2(local.id(), bound(states), heartbeats)));
    return new GossipResult(out, events, ringChanged);
  }

  /** Leg 3 received: merge the states. */
  public GossipResult onAck2(Endpoint from, Ack2 ack2, long nowMs) {
    List<MembershipEvent> events = new ArrayList<>();
    boolean ringChanged = apply(ack2.states(), nowMs, events);
    ringChanged |= applyHeartbeats(ack2.heartbeats(), nowMs, events);
    return new GossipResult(List.of(), events, ringChanged);
  }

  /** Sends {@code mine} to a peer whose digest is {@code theirs}: a heartbeat if it holds the heavy part. */
  private static void offer(Member mine, Digest theirs, List<Member> states, List<Digest> heartbeats) {
    if (mine.heavyStateMatches(theirs)) {
      heartbeats.add(mine.digest());
    } else {
      states.add(mine);
    }
  }

  /** A peer refused us; see {@link Rejected#fatal()}. */
  public GossipResult onReject(Endpoint from, Reject reject) {
    return new GossipResult(List.of(), List.of(new Rejected(from, reject.reason(), !joined)), false);
  }

  /** Changes the local member's status (e.g. UP after bootstrap, LEAVING on decommission). */
  public GossipResult setLocalStatus(MemberStatus status) {
    MemberStatus before = local.status();
    if (before == status) {
      return GossipResult.EMPTY;
    }
    local = local.withStatus(status);
    view = view.with(local);
    return new GossipResult(List.of(), List.of(new StatusChanged(local.id(), before, status)), true);
  }

  /**
   * Sets the local member's activity line ("" when idle; see {@link Member#activity()}). A change is a
   * heavy-state change: it travels whole to every peer, like a status change, so callers should not
   * change it more often than every few gossip rounds. The ring is unaffected and no event is raised.
   *
   * @throws IllegalArgumentException when the line is too long or holds control characters
   */
  public GossipResult setLocalActivity(String activity) {
    Member.checkActivity(local.id(), activity);
    if (local.activity().equals(activity)) {
      return GossipResult.EMPTY;
    }
    local = local.withActivity(activity);
    view = view.with(local);
    return GossipResult.EMPTY;
  }

  /**
   * First step of an administrative removal of a member this node considers down: marks it REMOVING
   * (version + 1) so the mark spreads; it keeps its tokens until {@link #removeMember} ends the removal.
   * A member already REMOVING is left as it is (a removal is being resumed). Throws for the local node,
   * unknown ids, members already gone and members this node sees alive.
   */
  public GossipResult markRemoving(String id, long nowMs) {
    Member current = removable(id, nowMs);
    if (current.status() == MemberStatus.REMOVING) {
      return GossipResult.EMPTY;
    }
    return mark(current, MemberStatus.REMOVING, false);
  }

  /**
   * Administrative removal of a member this node considers down: marks it REMOVED (version + 1) so
   * the mark spreads. Throws for the local node, unknown ids and members this node sees alive; a
   * member already REMOVED is left as it is.
   */
  public GossipResult removeMember(String id, long nowMs) {
    if (view.get(id).map(m -> m.status() == MemberStatus.REMOVED).orElse(false)) {
      return GossipResult.EMPTY;
    }
    return mark(removable(id, nowMs), MemberStatus.REMOVED, true);
  }

  private Member removable(String id, long nowMs) {
    if (id.equals(local.id())) {
      throw new IllegalArgumentException("cannot remove the local node '" + id + "'; decommission it instead");
    }
    Member current = view.get(id).orElseThrow(() -> new IllegalArgumentException("unknown member '" + id + "'"));
    if (current.status().isGone()) {
      throw new IllegalStateException("member '" + id + "' is already " + current.status());
    }
    if (isAlive(id, nowMs)) {
      throw new IllegalStateException("refusing to remove member '" + id + "': it is alive (phi "
          + String.format("%.2f", detector.phi(id, nowMs)) + ")");
    }
    return current;
  }

  private GossipResult mark(Member current, MemberStatus status, boolean gone) {
    Member marked = current.withStatus(status);
    view = view.with(marked);
    if (gone) {
      detector.remove(current.id());
      reportedAlive.remove(current.id());
    }
    return new GossipResult(List.of(), List.of(new StatusChanged(current.id(), current.status(), status)), true);
  }

  /** This node's opinion: true for itself, false for unknown or gone members, else phi below threshold. */
  public boolean isAlive(String id, long nowMs) {
    if (id.equals(local.id())) {
      return true;
    }
    Optional<Member> m = view.get(id);
    return m.isPresent() && !m.get().status().isGone() && detector.isAvailable(id, nowMs);
  }

  /** The failure detector's phi for {@code id} (0 for itself and unknown members). */
  public double phi(String id, long nowMs) {
    return id.equals(local.id()) ? 0.0 : detector.phi(id, nowMs);
  }

  /** Every member's liveness in id order, for INFO (UP/DOWN). */
  public Map<String, Boolean> liveness(long nowMs) {
    Map<String, Boolean> out = new TreeMap<>();
    for (Member m : view.members()) {
      out.put(m.id(), isAlive(m.id(), nowMs));
    }
    return out;
  }

  public Member localMember() {
    return local;
  }

  public MembershipView view() {
    return view;
  }

  public ClusterMetadata metadata() {
    return metadata;
  }

  public GossipConfig config() {
    return config;
  }

  /** Whether a compatible peer has exchanged state with this node. */
  public boolean hasJoined() {
    return joined;
  }

  /** States of unknown members dropped because the view was at {@link MembershipView#MAX_MEMBERS}. */
  public long statesDroppedOverLimit() {
    return statesDroppedOverLimit;
  }

  /**
   * Whether peer {@code id} has shown, in the last gossip exchanged with it, that it holds the local
   * member's state at {@code stateVersion} or later (a joiner waits for this before asking for its data,
   * so that coordinators already send it new writes).
   */
  public boolean peerHoldsLocalState(String id, long stateVersion) {
    Long held = localStateHeldBy.get(id);
    return held != null && held >= stateVersion;
  }

  /** Heartbeat digests: applied to members whose heavy state this node holds, else ignored. */
  private boolean applyHeartbeats(List<Digest> heartbeats, long nowMs, List<MembershipEvent> events) {
    List<Member> states = new ArrayList<>(heartbeats.size());
    for (Digest d : heartbeats) {
      Optional<Member> mine = view.get(d.id());
      if (mine.isPresent() && mine.get().heavyStateMatches(d) && d.version() > mine.get().version()) {
        states.add(mine.get().withVersion(d.version()));
      }
    }
    return apply(states, nowMs, events);
  }

  private boolean apply(List<Member> states, long nowMs, List<MembershipEvent> events) {
    boolean ringChanged = false;
    for (Member m : states) {
      if (m.id().equals(local.id())) {
        continue; // this node is the authority on its own state
      }
      Member current = view.get(m.id()).orElse(null);
      if (current == null) {
        if (view.size() >= MembershipView.MAX_MEMBERS) {
          statesDroppedOverLimit++;
          continue;
        }
        view = view.with(m);
        events.add(new Joined(m));
        ringChanged = true;
        if (!m.status().isGone() && m.status() != MemberStatus.REMOVING) {
          detector.heartbeat(m.id(), nowMs);
          reportedAlive.put(m.id(), true);
        }
        continue;
      }
      if (!m.supersedes(current)) {
        continue;
      }
      view = view.with(m);
      if (m.generation() > current.generation()) {
        events.add(new Restarted(m.id(), current.generation(), m.generation()));
        detector.remove(m.id());
      }
      if (m.status() != current.status()) {
        events.add(new StatusChanged(m.id(), current.status(), m.status()));
      }
      ringChanged |= m.ringStateDiffers(current);
      if (m.status().isGone()) {
        detector.remove(m.id());
        reportedAlive.remove(m.id());
        continue;
      }
      // a REMOVING mark is an administrator's word about a down member, not a sign of life from it
      if (Member.compareVersions(m.generation(), m.version(), current.generation(), current.version()) > 0
          && m.status() != MemberStatus.REMOVING) {
        detector.heartbeat(m.id(), nowMs);
      }
      Boolean before = reportedAlive.get(m.id());
      boolean now = detector.isAvailable(m.id(), nowMs);
      if (before == null) {
        reportedAlive.put(m.id(), now);
      } else if (before != now) {
        reportedAlive.put(m.id(), now);
        events.add(new LivenessChanged(m.id(), m.endpoint(), now, detector.phi(m.id(), nowMs)));
      }
    }
    return ringChanged;
  }

  private void updateLiveness(long nowMs, List<MembershipEvent> events) {
    for (Member m : view.members()) {
      if (m.id().equals(local.id()) || m.status().isGone()) {
        continue;
      }
      boolean now = detector.isAvailable(m.id(), nowMs);
      Boolean before = reportedAlive.put(m.id(), now);
      if (before != null && before != now) {
        events.add(new LivenessChanged(m.id(), m.endpoint(), now, detector.phi(m.id(), nowMs)));
      }
    }
  }

  /** Up to {@code k} distinct elements chosen uniformly by a partial Fisher-Yates shuffle. */
  private <T> List<T> sample(List<T> from, int k) {
    List<T> copy = new ArrayList<>(from);
    int n = Math.min(k, copy.size());
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(copy.size() - i);
      T t = copy.get(i);
      copy.set(i, copy.get(j));
      copy.set(j, t);
    }
    return copy.subList(0, n);
  }

  /** At most maxStatesPerMessage states: the local state first (it carries our heartbeat), the rest sampled. */
  private List<Member> bound(List<Member> states) {
    if (states.size() <= config.maxStatesPerMessage()) {
      return states;
    }
    List<Member> out = new ArrayList<>(config.maxStatesPerMessage());
    List<Member> others = new ArrayList<>(states.size());
    for (Member m : states) {
      (m.id().equals(local.id()) ? out : others).add(m);
    }
    out.addAll(sample(others, config.maxStatesPerMessage() - out.size()));
    return out;
  }
}
