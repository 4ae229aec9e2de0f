package io.ringkv.membership;

import io.ringkv.ring.Replica;
import io.ringkv.gossip.Endpoint;
import io.ringkv.gossip.GossipPayload;
import io.ringkv.gossip.GossipResult;
import io.ringkv.gossip.Gossiper;
import io.ringkv.gossip.Member;
import io.ringkv.gossip.MemberStatus;
import io.ringkv.gossip.MembershipEvent;
import io.ringkv.ring.ClusterView;
import io.ringkv.protocol.ClientMessages.NodeInfo;
import io.ringkv.ring.Ring;
import io.ringkv.runtime.Clock;
import io.ringkv.runtime.Scheduler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's membership: drives the pure {@link Gossiper} on the core thread (a round every
 * {@code gossipIntervalMs}, each received payload), keeps the {@link Ring} built from the current
 * view, and answers the request path's questions ({@link ClusterView}) with the local failure
 * detector's opinion of who is alive. One log line per membership change, none per round.
 *
 * <p>It also publishes this node's activity line ({@link Member#activity()}, shown by the REPL's
 * NODES): long-running tasks (a LEAVE's or a bootstrap's stream) set theirs from their own threads;
 * the lines of tasks that run at once are joined, and changes are rate-limited, because each one
 * resends the node's whole gossip state (~8 KB with 1024 tokens) to every peer.
 *
 * <p>Only the core thread calls the {@link ClusterView} methods and the gossip entry points; the
 * ring is also published through a volatile field for other threads (streaming, INFO in tests).
 */
public final class Membership implements ClusterView {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  /**
   * Least time between two activity changes this node gossips (default 2 s, two gossip rounds:
   * progress stays fresh to a human while a 100-node cluster moves at most one 8 KB state per node
   * and 2 s). A change that comes sooner is held, and the latest line goes out when the time is up.
   */
  public static final long ACTIVITY_MIN_INTERVAL_MS = 2_000;
  /** Separates the lines of tasks that run at once (e.g. streams to two joining nodes). */
  static final String ACTIVITY_SEPARATOR = "; ";
  /** Tasks whose lines are kept (default 32: the joined line is cut at 256 characters long before). */
  static final int ACTIVITY_SOURCES_MAX = 32;

  private final Gossiper gossiper;
  private final Clock clock;
  private final Scheduler core;
  private final BiConsumer<Endpoint, GossipPayload> sender;
  private final List<Consumer<MembershipEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> ringListeners = new CopyOnWriteArrayList<>();
  private volatile Ring ring;
  /**
   * The ring once every JOINING member is UP and every LEAVING or REMOVING member is gone; the same object as
   * {@link #ring} when no member is in transition. Writes also go to the key's owners on this ring
   * that are not owners yet (pending replicas), as Cassandra's pending ranges do.
   */
  private volatile Ring futureRing;
  private volatile Consumer<String> onFatalRejection = reason -> {};
  private boolean running;
  private long rounds;
  /** Each running task's activity line, in the order the tasks started. Core thread only. */
  private final Map<Object, String> activities = new LinkedHashMap<>();
  private long activityPublishedAtMs = Long.MIN_VALUE / 2;
  private boolean activityFlushScheduled;

  public Membership(Gossiper gossiper, Clock clock, Scheduler core, BiConsumer<Endpoint, GossipPayload> sender) {
    this.gossiper = gossiper;
    this.clock = clock;
    this.core = core;
    this.sender = sender;
    this.ring = Ring.of(gossiper.view());
    this.futureRing = futureRing(ring);
  }

  /** The ring after the transitions under way, or {@code current} when there are none. */
  private Ring futureRing(Ring current) {
    List<Member> future = new ArrayList<>();
    boolean transition = false;
    for (Member m : gossiper.view().members()) {
      if (m.status() == MemberStatus.JOINING) {
        future.add(m.withStatus(MemberStatus.UP));
        transition = true;
      } else if (m.status().isDeparting()) { // LEAVING, or REMOVING (a down member being removed)
        transition = true;
      } else {
        future.add(m);
      }
    }
    if (!transition) {
      return current;
    }
    Ring next = Ring.of(future);
    return next.equals(current) ? current : next;
  }

  /** Called with the peer's one-line reason when a cluster refuses this node (wrong N or name). */
  public void onFatalRejection(Consumer<String> handler) {
    this.onFatalRejection = handler;
  }

  public void addListener(Consumer<MembershipEvent> listener) {
    listeners.add(listener);
  }

  /** Runs (on the core thread) after every change of the ring. */
  public void addRingListener(Runnable listener) {
    ringListeners.add(listener);
  }

  /** Starts the gossip rounds. */
  public void start() {
    core.execute(() -> {
      running = true;
      round();
    });
  }

  public void stop() {
    core.execute(() -> running = false);
  }

  private void round() {
    if (!running) {
      return;
    }
    rounds++;
    apply(gossiper.tick(clock.nowMs()));
    core.schedule(gossiper.config().gossipIntervalMs(), this::round);
  }

  /** A gossip payload from a peer; safe from any thread. */
  public void onGossip(Endpoint from, GossipPayload payload) {
    core.execute(() -> apply(gossiper.onMessage(from, payload, clock.nowMs())));
  }

  /**
   * Changes this node's lifecycle status (JOINING, UP, LEAVING, ...); safe from any thread. An activity
   * line held back by the rate limit goes out with it (the state is resent anyway).
   */
  public void setLocalStatus(MemberStatus status) {
    core.execute(() -> {
      String wanted = joinedActivity();
      if (!wanted.equals(gossiper.localMember().activity())) {
        publishActivity(wanted);
      }
      apply(gossiper.setLocalStatus(status));
    });
  }

  /**
   * Sets this node's activity line ("" when idle); safe from any thread. The same as
   * {@link #setLocalActivity(Object, String)} with one fixed source.
   */
  public void setLocalActivity(String activity) {
    setLocalActivity(Membership.class, activity);
  }

  /**
   * Sets the activity line of one task ({@code source}, a key compared with equals; "" when the task
   * is done); safe from any thread, applied on the core thread. The node's gossiped activity is the
   * lines of all tasks joined with {@code "; "} in the order the tasks started, cut to
   * {@link Member#MAX_ACTIVITY_LENGTH}; the lines of tasks beyond {@link #ACTIVITY_SOURCES_MAX} running
   * at once are not kept (they would be cut anyway).
   *
   * <p>Rate-limited: the gossiped line changes at most once per {@link #ACTIVITY_MIN_INTERVAL_MS}. A
   * change within the interval is held, and when the interval is over the line as it is then goes out,
   * so the last change (the "" of a finished task) is never lost, only delayed.
   *
   * @throws IllegalArgumentException when the line is longer than {@link Member#MAX_ACTIVITY_LENGTH} or
   *     holds control characters
   */
  public void setLocalActivity(Object source, String activity) {
    java.util.Objects.requireNonNull(source, "source");
    Member.checkActivity("this node", activity);
    core.execute(() -> {
      if (activity.isEmpty()) {
        activities.remove(source);
      } else if (activities.containsKey(source) || activities.size() < ACTIVITY_SOURCES_MAX) {
        activities.put(source, activity);
      }
      publishActivityWhenAllowed();
    });
  }

  private void publishActivityWhenAllowed() {
    String wanted = joinedActivity();
    if (wanted.equals(gossiper.localMember().activity())) {
      return;
    }
    long waitMs = activityPublishedAtMs + ACTIVITY_MIN_INTERVAL_MS - clock.nowMs();
    if (waitMs <= 0) {
      publishActivity(wanted);
    } else if (!activityFlushScheduled) {
      activityFlushScheduled = true;
      core.schedule(waitMs, () -> {
        activityFlushScheduled = false;
        publishActivityWhenAllowed();
      });
    }
  }

  private void publishActivity(String line) {
    activityPublishedAtMs = clock.nowMs();
    apply(gossiper.setLocalActivity(line));
  }

  private String joinedActivity() {
    String joined = String.join(ACTIVITY_SEPARATOR, activities.values());
    if (joined.length() <= Member.MAX_ACTIVITY_LENGTH) {
      return joined;
    }
    int cut = Member.MAX_ACTIVITY_LENGTH - 3;
    if (Character.isHighSurrogate(joined.charAt(cut - 1))) {
      cut--;
    }
    return joined.substring(0, cut) + "...";
  }

  /**
   * Marks a down member REMOVING (it keeps its tokens while the survivors re-replicate its ranges, see
   * {@code node.Removal}); core thread only.
   */
  public void markRemoving(String id) {
    apply(gossiper.markRemoving(id, clock.nowMs()));
  }

  /**
   * Starts the removal of a down member; core thread only. A member that owns ranges is marked REMOVING
   * and true is returned: its ranges must be re-replicated before {@link #removeMember}. A JOINING member
   * owns none yet (marking it REMOVING would make the dead node an owner of the ranges it was about to
   * take, served by fallbacks that lack their data): it is marked REMOVED at once and false is returned.
   *
   * @throws IllegalArgumentException for an unknown id or this node's own
   * @throws IllegalStateException when the member is alive or already gone
   */
  public boolean startRemoval(String id) {
    if (statusOf(id) == MemberStatus.JOINING) {
      removeMember(id);
      return false;
    }
    markRemoving(id);
    return true;
  }

  /** Marks a down member REMOVED: its ranges pass to the next nodes; core thread only. */
  public void removeMember(String id) {
    apply(gossiper.removeMember(id, clock.nowMs()));
  }

  /** The member's status as gossip has it, or null for an unknown id. Core thread only. */
  public MemberStatus statusOf(String id) {
    return gossiper.view().get(id).map(Member::status).orElse(null);
  }

  private void apply(GossipResult result) {
    for (GossipResult.Outbound out : result.outbound()) {
      sender.accept(out.to(), out.payload());
    }
    for (MembershipEvent e : result.events()) {
      logEvent(e);
      for (Consumer<MembershipEvent> l : listeners) {
        l.accept(e);
      }
      if (e instanceof MembershipEvent.Rejected r && r.fatal()) {
        onFatalRejection.accept(r.reason());
      }
    }
    if (result.ringChanged()) {
      Ring next = Ring.of(gossiper.view());
      boolean changed = !next.equals(ring);
      if (changed) {
        ring = next;
        log.info("ring now has {} owners and {} tokens", next.nodeCount(), next.tokenCount());
      }
      Ring future = futureRing(ring);
      if (future != ring && !future.equals(futureRing)) {
        log.info("members are joining or leaving: writes also go to their pending owners ({} owners after the"
            + " change)", future.nodeCount());
      }
      futureRing = future;
      if (changed) {
        for (Runnable l : ringListeners) {
          l.run();
        }
      }
    }
  }

  private void logEvent(MembershipEvent e) {
    if (e instanceof MembershipEvent.Joined j) {
      log.info("member {} at {} joined ({}, {} tokens)", j.member().id(), j.member().endpoint(), j.member().status(),
          j.member().tokens().size());
    } else if (e instanceof MembershipEvent.StatusChanged s) {
      log.info("member {} is now {} (was {})", s.id(), s.to(), s.from());
    } else if (e instanceof MembershipEvent.Restarted r) {
      log.info("member {} restarted (generation {} -> {})", r.id(), r.oldGeneration(), r.newGeneration());
    } else if (e instanceof MembershipEvent.LivenessChanged l) {
      log.info("member {} at {} is {} (phi {})", l.id(), l.endpoint(), l.alive() ? "UP" : "DOWN",
          String.format("%.1f", l.phi()));
    } else if (e instanceof MembershipEvent.PeerRejected p) {
      log.warn("refused gossip from {}: {}", p.from(), p.reason());
    } else if (e instanceof MembershipEvent.Rejected r) {
      log.error("{} refused this node: {}", r.by(), r.reason());
    }
  }

  public Ring ring() {
    return ring;
  }

  public Gossiper gossiper() {
    return gossiper;
  }

  public long rounds() {
    return rounds;
  }

  public String localId() {
    return gossiper.localMember().id();
  }

  public boolean isAlive(String id) {
    return gossiper.isAlive(id, clock.nowMs());
  }

  /** The member's endpoint when this node believes it alive, else null. Core thread only. */
  public Endpoint endpointIfAlive(String id) {
    if (!gossiper.isAlive(id, clock.nowMs())) {
      return null;
    }
    return gossiper.view().get(id).map(Member::endpoint).orElse(null);
  }

  /** Whether the member left the ring for good (REMOVED or LEFT). Core thread only. */
  public boolean isGone(String id) {
    return gossiper.view().get(id).map(m -> m.status().isGone()).orElse(false);
  }

  /**
   * Whether {@code nodeId} owns the key now or will own it once the joins and leaves under way are done:
   * such a copy must be kept (hint delivery and cleanup drop only copies for which this is false).
   */
  public boolean keeps(String nodeId, byte[] key, int n) {
    Ring now = ring;
    Ring future = futureRing;
    return now.owners(key, n).contains(nodeId) || (future != now && future.owners(key, n).contains(nodeId));
  }

  /** The ring after the joins and leaves under way; {@link #ring()} when there are none. */
  public Ring futureRing() {
    return futureRing;
  }

  /** Whether any member is JOINING, LEAVING or REMOVING (the ring is about to change). */
  public boolean inTransition() {
    return futureRing != ring;
  }

  // ---------------------------------------------------------------- ClusterView

  @Override
  public List<Replica> targets(byte[] key, int n) {
    long now = clock.nowMs();
    return new ArrayList<>(ring.preferenceList(key, n, id -> gossiper.isAlive(id, now)).replicas());
  }

  @Override
  public List<Replica> primaries(byte[] key, int n) {
    return new ArrayList<>(ring.preferenceList(key, n, id -> true).primaries());
  }

  @Override
  public List<Replica> pending(byte[] key, int n) {
    Ring now = ring;
    Ring future = futureRing;
    if (future == now) {
      return List.of();
    }
    List<String> current = now.owners(key, n);
    List<Replica> out = new ArrayList<>(1);
    for (String id : future.owners(key, n)) {
      if (!current.contains(id)) {
        Endpoint e = endpointIfAlive(id);
        if (e != null) {
          out.add(Replica.primary(id, e));
        }
      }
    }
    return out;
  }

  @Override
  public List<String> ownersOf(long token, int n) {
    return ring.owners(token, n);
  }

  @Override
  public List<NodeInfo> nodes() {
    long now = clock.nowMs();
    Map<String, Double> ownership = ring.ownership();
    List<NodeInfo> out = new ArrayList<>();
    for (Member m : gossiper.view().members()) {
      if (m.status() == MemberStatus.REMOVED || m.status() == MemberStatus.LEFT) {
        continue;
      }
      boolean alive = gossiper.isAlive(m.id(), now);
      String status = !alive && m.status() != MemberStatus.REMOVING ? "DOWN" : m.status().name();
      out.add(new NodeInfo(m.id(), m.endpoint().host(), m.endpoint().port(), status, m.tokens().size(),
          ownership.getOrDefault(m.id(), 0.0), m.activity()));
    }
    return out;
  }

  @Override
  public int liveNodes() {
    long now = clock.nowMs();
    int live = 0;
    for (Member m : gossiper.view().members()) {
      if (!m.status().isGone() && gossiper.isAlive(m.id(), now)) {
        live++;
      }
    }
    return live;
  }
}
