package io.ringkv.http;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.LinkedHashMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.ringkv.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics}: the node's Dropwizard registry as JSON (Dropwizard's metrics-json, rates per
 * second, durations in milliseconds, as before), or in the Prometheus text format when asked
 * ({@code Accept: text/plain}, which a Prometheus server sends, or {@code ?format=prometheus}).
 *
 * <p>The Prometheus form goes through Prometheus's own Java library and its Dropwizard bridge. Names
 * follow Prometheus conventions: the per-operation timers become one summary per phase with the
 * operation as a label, in seconds ({@code ringkv_coordinator_seconds{op="get",quantile="0.99"}}), the
 * error counters one counter with the code as a label ({@code ringkv_errors_total{code="timeout"}}), and
 * every other metric its dotted name with underscores ({@code ringkv_hints_pending}); counters end in
 * {@code _total}.
 */
public final class MetricsExposition {
  private final MetricRegistry registry;
  private final ObjectMapper json;
  private final DropwizardExports dropwizard;
  private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

  public MetricsExposition(MetricRegistry registry) {
    this.registry = registry;
    this.json = new ObjectMapper().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
    this.dropwizard = new DropwizardExports(registry);
    for (String op : List.of("get", "put", "delete")) {
      families.put("ringkv_coordinator_" + op, new Family("ringkv_coordinator_seconds", "op", op,
          "Client requests this node coordinated, by operation: latency in seconds (replies to the client)"));
    }
    for (String op : List.of("read", "write", "merge")) {
      families.put("ringkv_replica_" + op, new Family("ringkv_replica_seconds", "op", op,
          "Replica requests this node served, by operation: latency in seconds, storage included"));
    }
    for (ErrorCode code : ErrorCode.values()) {
      String c = code.name().toLowerCase(Locale.ROOT);
      families.put("ringkv_errors_" + c, new Family("ringkv_errors", "code", c, "Client errors answered, by code"));
    }
    families.put("ringkv_antientropy_exchange_time", new Family("ringkv_antientropy_exchange_seconds", null, null,
        "Anti-entropy exchanges with a peer: duration in seconds"));
  }

  /** Where a Dropwizard metric goes: a family name and, when several metrics share it, their label. */
  private record Family(String name, String label, String value, String help) {}

  private final Map<String, Family> families = new java.util.HashMap<>();

  /**
   * The bridge's snapshots (one per Dropwizard metric, its dotted name with underscores, timers as
   * summaries in seconds), with the per-operation timers and per-code counters put together as one
   * family each, told apart by a label: the bridge's own label mapper cannot put two metrics under one
   * name (a scrape refuses a name twice).
   */
  MetricSnapshots scrape() {
    Map<String, List<MetricSnapshot>> byName = new LinkedHashMap<>();
    for (MetricSnapshot s : dropwizard.collect()) {
      Family f = families.get(s.getMetadata().getPrometheusName());
      MetricSnapshot renamed = f == null ? s : relabel(s, f);
      byName.computeIfAbsent(renamed.getMetadata().getPrometheusName(), k -> new ArrayList<>()).add(renamed);
    }
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    for (List<MetricSnapshot> family : byName.values()) {
      MetricSnapshot first = family.get(0);
      if (family.size() == 1) {
        out.metricSnapshot(first);
      } else if (first instanceof SummarySnapshot) {
        List<SummarySnapshot.SummaryDataPointSnapshot> points = new ArrayList<>();
        family.forEach(s -> points.addAll(((SummarySnapshot) s).getDataPoints()));
        out.metricSnapshot(new SummarySnapshot(first.getMetadata(), points));
      } else if (first instanceof CounterSnapshot) {
        List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
        family.forEach(s -> points.addAll(((CounterSnapshot) s).getDataPoints()));
        out.metricSnapshot(new CounterSnapshot(first.getMetadata(), points));
      } else {
        throw new IllegalStateException("metrics of another kind share the name " + first.getMetadata().getName());
      }
    }
    return out.build();
  }

  private static MetricSnapshot relabel(MetricSnapshot s, Family f) {
    MetricMetadata meta = new MetricMetadata(f.name(), f.help());
    if (s instanceof SummarySnapshot summary) {
      List<SummarySnapshot.SummaryDataPointSnapshot> points = new ArrayList<>();
      for (SummarySnapshot.SummaryDataPointSnapshot p : summary.getDataPoints()) {
        points.add(new SummarySnapshot.SummaryDataPointSnapshot(p.getCount(), p.getSum(), p.getQuantiles(),
            labels(p.getLabels(), f), p.getExemplars(), p.hasCreatedTimestamp() ? p.getCreatedTimestampMillis() : 0L));
      }
      return new SummarySnapshot(meta, points);
    }
    if (s instanceof CounterSnapshot counter) {
      List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
      for (CounterSnapshot.CounterDataPointSnapshot p : counter.getDataPoints()) {
        points.add(new CounterSnapshot.CounterDataPointSnapshot(p.getValue(), labels(p.getLabels(), f),
            p.getExemplar(), p.hasCreatedTimestamp() ? p.getCreatedTimestampMillis() : 0L));
      }
      return new CounterSnapshot(meta, points);
    }
    return s;
  }

  private static Labels labels(Labels l, Family f) {
    return f.label() == null ? l : l.merge(Labels.of(f.label(), f.value()));
  }

  /** Prometheus text when {@code format=prometheus} or the Accept header names text/plain; else JSON. */
  static boolean wantsPrometheus(String accept, String format) {
    if (format != null) {
      return format.equalsIgnoreCase("prometheus");
    }
    return accept != null && accept.contains("text/plain");
  }

  FullHttpResponse respond(String accept, String format) {
    if (format != null && !format.equalsIgnoreCase("prometheus") && !format.equalsIgnoreCase("json")) {
      return HttpApi.error(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST",
          "format=" + format + " is not one of prometheus, json");
    }
    var body = Unpooled.buffer(16 * 1024);
    String type;
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      if (wantsPrometheus(accept, format)) {
        text.write(out, scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        type = text.getContentType();
      } else {
        json.writerWithDefaultPrettyPrinter().writeValue((java.io.OutputStream) out, registry);
        type = "application/json";
      }
    } catch (IOException e) {
      body.release();
      throw new UncheckedIOException(e);
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return r;
  }
}
