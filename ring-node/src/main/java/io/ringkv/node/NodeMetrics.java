package io.ringkv.node;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ringkv.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The node's Dropwizard metrics, named {@code ringkv.<area>.<what>}: timers per client operation
 * (coordinator phase), per replica operation (replica phase, storage included), and counters for
 * what operators watch: read repairs, errors by code, overload refusals.
 */
public final class NodeMetrics {
  private final MetricRegistry registry;
  final Timer coordinatorGet;
  final Timer coordinatorPut;
  final Timer coordinatorDelete;
  final Timer replicaRead;
  final Timer replicaWrite;
  final Timer replicaMerge;
  final Counter readRepairs;
  final Counter siblingsCreated;
  final Counter requestsInFlight;
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

  public NodeMetrics(MetricRegistry registry) {
    this.registry = registry;
    coordinatorGet = registry.timer("ringkv.coordinator.get");
    coordinatorPut = registry.timer("ringkv.coordinator.put");
    coordinatorDelete = registry.timer("ringkv.coordinator.delete");
    replicaRead = registry.timer("ringkv.replica.read");
    replicaWrite = registry.timer("ringkv.replica.write");
    replicaMerge = registry.timer("ringkv.replica.merge");
    readRepairs = registry.counter("ringkv.readrepair.sent");
    siblingsCreated = registry.counter("ringkv.siblings.created");
    requestsInFlight = registry.counter("ringkv.coordinator.inflight");
    for (ErrorCode c : ErrorCode.values()) {
      errors.put(c, registry.counter("ringkv.errors." + c.name().toLowerCase(java.util.Locale.ROOT)));
    }
  }

  public MetricRegistry registry() {
    return registry;
  }

  void error(ErrorCode code) {
    errors.get(code).inc();
  }

  public long readRepairCount() {
    return readRepairs.getCount();
  }

  /** This node's figures for the dashboard, read from the registry now. */
  io.ringkv.protocol.ClientMessages.NodeStats stats(String nodeId) {
    java.util.List<io.ringkv.protocol.ClientMessages.OpStats> ops = java.util.List.of(
        op("get", coordinatorGet), op("put", coordinatorPut), op("delete", coordinatorDelete),
        op("replica.read", replicaRead), op("replica.write", replicaWrite), op("replica.merge", replicaMerge));
    long errorsTotal = 0;
    for (Counter c : errors.values()) {
      errorsTotal += c.getCount();
    }
    return new io.ringkv.protocol.ClientMessages.NodeStats(nodeId, ops, gauge("ringkv.hints.pending"),
        requestsInFlight.getCount(), readRepairs.getCount(), errorsTotal, count("ringkv.antientropy.exchanges.completed"),
        count("ringkv.antientropy.keys.repaired"));
  }

  private static io.ringkv.protocol.ClientMessages.OpStats op(String name, Timer timer) {
    com.codahale.metrics.Snapshot s = timer.getSnapshot();
    return new io.ringkv.protocol.ClientMessages.OpStats(name, timer.getCount(), s.getMedian() / 1e6,
        s.get99thPercentile() / 1e6);
  }

  private long gauge(String name) {
    com.codahale.metrics.Gauge<?> g = registry.getGauges().get(name);
    return g != null && g.getValue() instanceof Number n ? n.longValue() : 0;
  }

  private long count(String name) {
    Counter c = registry.getCounters().get(name);
    return c == null ? 0 : c.getCount();
  }
}
