using Telemetry.Collector.Ingest;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// What the families that are not per node are written from — in the whole /metrics and in its part 0 only
/// (<see cref="MetricsPart"/>): the metering proxy's families (<see cref="Before"/>, written first), and the
/// collector's own health, which counts every node (<see cref="NodesUp"/>, <see cref="NodesStale"/>) whichever part it is in.
/// </summary>
internal sealed record FleetWideFamilies(Action<ExpositionWriter> Before, IngestStats Stats, long LateIncrements, RenderStats Previous,
    Otlp.OtlpExportStats? Exports, int NodesUp, int NodesStale);
