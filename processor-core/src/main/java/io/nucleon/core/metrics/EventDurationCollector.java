package io.nucleon.core.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exports every trigger's {@link EventStats} as one Prometheus histogram,
 * {@code nucleon_event_duration_seconds}, in the same registry (and scrape) as the Micrometer meters.
 */
public final class EventDurationCollector implements Collector {
    /** The exported name. */
    public static final String NAME = "nucleon_event_duration_seconds";

    private record Source(Labels labels, EventStats histogram) {}

    private final List<Source> sources = new CopyOnWriteArrayList<>();

    /** Adds a trigger's histogram under the function/trigger/kind labels. */
    public void add(EventStats histogram, String function, String trigger, String kind) {
        sources.add(new Source(Labels.of("function", function, "kind", kind, "trigger", trigger), histogram));
    }

    @Override
    @SuppressWarnings("deprecation") // still the name the registry checks for duplicates
    public String getPrometheusName() {
        return NAME;
    }

    @Override
    public MetricSnapshot collect() {
        List<HistogramDataPointSnapshot> points = new ArrayList<>();
        double[] bounds = new double[EventStats.BOUNDS_SECONDS.length + 1];
        System.arraycopy(EventStats.BOUNDS_SECONDS, 0, bounds, 0, EventStats.BOUNDS_SECONDS.length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        for (Source s : sources) {
            EventStats.Snapshot snap = s.histogram.snapshot();
            points.add(new HistogramDataPointSnapshot(
                    ClassicHistogramBuckets.of(bounds, snap.buckets()),
                    snap.sumNanos() / 1e9,
                    s.labels,
                    Exemplars.EMPTY,
                    0L));
        }
        return new HistogramSnapshot(
                new MetricMetadata(NAME, "Time from a worker taking an event to its completion", Unit.SECONDS), points);
    }
}
