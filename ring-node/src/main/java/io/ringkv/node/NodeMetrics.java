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
}
