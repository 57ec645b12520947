using Telemetry.Collector.Cost;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// Writes a <see cref="FleetSnapshot"/> as the contract metric families of DESIGN §5: raw cumulative
/// counters and gauges per GPU, server and stream (so PromQL can recompute everything across collector
/// shards), the rolling KPIs, and the collector's own health. Family order is fixed; within a family
/// series are in node, GPU index, server and stream order, so output is stable between scrapes.
/// </summary>
internal static class MetricsRenderer
{
    /// <summary>Engine histogram keys on the wire mapped to the exported family names.</summary>
    private static readonly (string Key, string Family, string Help)[] Histograms =
    [
        ("ttft_seconds", "inference_time_to_first_token_seconds", "Time to first token, from the engine's own histogram buckets."),
        ("tpot_seconds", "inference_time_per_output_token_seconds", "Time per output token (inter-token latency), from the engine's own buckets."),
        ("e2e_seconds", "inference_request_duration_seconds", "End-to-end request latency, from the engine's own buckets."),
        ("queue_seconds", "inference_request_queue_seconds", "Time requests waited in the engine's queue, from the engine's own buckets."),
    ];

    /// <summary>
    /// Histogram families written by the first of the two concurrent groups. With the attribution families in the first
    /// group too, the two groups take the same time within ~10% at 12,500 nodes (without them the second took 100 ms longer).
    /// </summary>
    private const int FirstGroupHistograms = 2;

    private static readonly LabelSet InputTokens = LabelSet.Of(new Label("token_type", "input"));
    private static readonly LabelSet OutputTokens = LabelSet.Of(new Label("token_type", "output"));

    /// <summary>
    /// From this many nodes a render is written on two threads: below it a render is short, and one thread leaves the
    /// other core to ingest (a fleet scraped in parts renders 1/n of it at a time).
    /// </summary>
    public const int TwoThreadsFromNodes = 2_000;

    /// <summary>
    /// Writes the snapshot's families in a fixed order, and the ones that are not per node when <paramref name="fleetWide"/>
    /// is given (the whole exposition, or part 0 of it: <see cref="MetricsPart"/>) — its proxy families first. With
    /// <paramref name="twoThreads"/> the families are written in two groups on two threads
    /// (<see cref="ExpositionWriter.WriteConcurrently"/>), split in the middle of the engine histograms, which are half of
    /// a fleet's bytes; the output is the same as writing them one after the other, which is what one thread does.
    /// </summary>
    public static void Render(ExpositionWriter w, FleetSnapshot snapshot, FleetWideFamilies? fleetWide,
        IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos, CostModel cost, bool twoThreads)
    {
        var streams = Streams(snapshot);
        Write(
            w,
            twoThreads,
            first =>
            {
                fleetWide?.Before(first);
                RenderNodes(first, snapshot);
                AgentHealthFamilies.Render(first, snapshot);
                RenderGpus(first, snapshot);
                RenderServers(first, snapshot);
                RenderStreams(first, streams);
                AttributionFamilies.Render(first, snapshot, cost);
                RenderHistograms(first, streams, Histograms.AsSpan(0, FirstGroupHistograms));
            },
            second =>
            {
                RenderHistograms(second, streams, Histograms.AsSpan(FirstGroupHistograms));
                if (fleetWide is not null)
                {
                    AttributionFamilies.RenderTiers(second, tierPrices, ttftSlos);
                }

                KpiFamilies.Render(second, snapshot, tierPrices, ttftSlos);
                if (fleetWide is not null)
                {
                    RenderSelf(second, fleetWide);
                    if (fleetWide.Exports is { } exports)
                    {
                        second.BeginFamily("inference_collector_otlp_exports", MetricType.Counter, "OTLP pushes (Collector:Otlp) by result; failures are logged once until a push succeeds again.");
                        second.WriteSample([new("result", "success")], exports.Succeeded);
                        second.WriteSample([new("result", "failure")], exports.Failed);
                    }
                }
            });
        w.Finish();
    }

    private static void Write(ExpositionWriter w, bool twoThreads, Action<ExpositionWriter> first, Action<ExpositionWriter> second)
    {
        if (twoThreads)
        {
            w.WriteConcurrently(first, second);
        }
        else
        {
            first(w);
            second(w);
        }
    }

    private static void RenderNodes(ExpositionWriter w, FleetSnapshot s)
    {
        w.BeginFamily("inference_node_up", MetricType.Gauge, "1 if the node reported within 3 of its intervals, else 0.");
        foreach (var n in s.Nodes)
        {
            w.WriteSample(n.Labels, n.Up ? 1 : 0);
        }

        w.BeginFamily("inference_node_last_report_timestamp_seconds", MetricType.Gauge, "When the collector last received a report from the node (Unix seconds).");
        foreach (var n in s.Nodes)
        {
            w.WriteSample(n.Labels, n.LastReportSeconds);
        }

        w.BeginFamily("inference_node_clock_offset_seconds", MetricType.Gauge, "Collector clock minus the agent's clock, as corrected when placing its samples (0 within 1 s of tolerance).");
        foreach (var n in s.Nodes)
        {
            w.WriteSample(n.Labels, n.ClockOffsetSeconds);
        }

        w.BeginFamily("inference_node_source_errors", MetricType.Gauge, "Number of power or server sources the agent could not read in its last report.");
        foreach (var n in s.Nodes)
        {
            w.WriteSample(n.Labels, n.SourceErrors.Count);
        }
    }

    private static void RenderGpus(ExpositionWriter w, FleetSnapshot s)
    {
        w.BeginFamily("inference_gpu_info", MetricType.Gauge, "Constant 1 per GPU; labels say which power source reads it and how its energy is measured.");
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                w.WriteSample(g.Labels, g.InfoLabels, LabelSet.Empty, 1);
            }
        }

        w.BeginFamily("inference_gpu_energy_joules", MetricType.Counter, "GPU energy from the device counter (or the agent's integral where there is none), cumulative.");
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                w.WriteSample(g.Labels, g.EnergyJoulesTotal);
            }
        }

        Gauge(w, s, "inference_gpu_power_watts", "GPU power draw as the device reports it.", static g => g.Gauges.PowerWatts);
        Gauge(w, s, "inference_gpu_power_limit_watts", "Enforced GPU power limit.", static g => g.Gauges.PowerLimitWatts);
        Gauge(w, s, "inference_gpu_utilization_ratio", "GPU utilization over the device's last sample period, 0 to 1.", static g => g.Gauges.UtilizationRatio);
        Gauge(w, s, "inference_gpu_memory_used_bytes", "GPU memory in use.", static g => g.Gauges.MemoryUsedBytes);
        Gauge(w, s, "inference_gpu_memory_total_bytes", "GPU memory installed.", static g => g.Gauges.MemoryTotalBytes);
        Gauge(w, s, "inference_gpu_temperature_celsius", "GPU core temperature.", static g => g.Gauges.TemperatureCelsius);
        GpuClockFamilies.Render(w, s);
    }

    private static void Gauge(ExpositionWriter w, FleetSnapshot s, string name, string help, Func<GpuView, double?> value)
    {
        w.BeginFamily(name, MetricType.Gauge, help);
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                if (value(g) is { } v)
                {
                    w.WriteSample(g.Labels, v);
                }
            }
        }
    }

    private static void RenderServers(ExpositionWriter w, FleetSnapshot s)
    {
        w.BeginFamily("inference_server_up", MetricType.Gauge, "1 if the agent's last scrape of the inference server succeeded.");
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                w.WriteSample(sv.Labels, sv.Up ? 1 : 0);
            }
        }

        w.BeginFamily("inference_server_energy_joules", MetricType.Counter, "Energy of the GPUs the server runs on, accumulated by the agent since it started.");
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                w.WriteSample(sv.Labels, sv.EnergyJoulesTotal);
            }
        }
    }

    private static void RenderStreams(ExpositionWriter w, StreamView[] streams)
    {
        w.BeginFamily("inference_tokens", MetricType.Counter, "Tokens processed, as the engine counts them (input = prompt/prefill, output = generated).");
        foreach (var st in streams)
        {
            if (st.InputTokensTotal is { } input)
            {
                w.WriteSample(st.SeriesLabels, InputTokens, LabelSet.Empty, input);
            }

            if (st.OutputTokensTotal is { } output)
            {
                w.WriteSample(st.SeriesLabels, OutputTokens, LabelSet.Empty, output);
            }
        }

        w.BeginFamily("inference_requests", MetricType.Counter, "Finished requests by outcome (success, error, aborted).");
        foreach (var st in streams)
        {
            foreach (var (outcome, total) in st.Requests)
            {
                w.WriteSample(st.SeriesLabels, LabelSetCache.Outcome.Of(outcome), LabelSet.Empty, total);
            }
        }

        StreamGauge(w, streams, "inference_requests_running", "Requests the engine is executing now.", static st => st.Running);
        StreamGauge(w, streams, "inference_requests_waiting", "Requests waiting in the engine's queue now.", static st => st.Waiting);
        StreamGauge(w, streams, "inference_kv_cache_usage_ratio", "Fraction of the engine's KV cache in use, 0 to 1.", static st => st.KvCacheUsageRatio);
    }

    private static void RenderHistograms(ExpositionWriter w, StreamView[] streams, ReadOnlySpan<(string Key, string Family, string Help)> histograms)
    {
        var counts = new double[64]; // one buffer for every read of this group; grown if an engine has more buckets
        foreach (var (key, family, help) in histograms)
        {
            w.BeginFamily(family, MetricType.Histogram, help);
            foreach (var st in streams)
            {
                if (st.Histograms.TryRead(key, ref counts, out var bounds, out var n, out var count, out var sum))
                {
                    w.WriteHistogram(st.SeriesLabels, bounds.AsSpan(0, n), counts.AsSpan(0, n), count, sum);
                }
            }
        }
    }

    private static void StreamGauge(ExpositionWriter w, StreamView[] streams, string name, string help, Func<StreamView, double?> value)
    {
        w.BeginFamily(name, MetricType.Gauge, help);
        foreach (var st in streams)
        {
            if (value(st) is { } v)
            {
                w.WriteSample(st.SeriesLabels, v);
            }
        }
    }

    /// <summary>
    /// Every stream, in node, server and stream order: listed once per render for the eight families that walk them
    /// (an iterator cost 5% of a render at 25,000 streams).
    /// </summary>
    private static StreamView[] Streams(FleetSnapshot s)
    {
        var count = 0;
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                count += sv.Streams.Length;
            }
        }

        var streams = new StreamView[count];
        var i = 0;
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                sv.Streams.CopyTo(streams, i);
                i += sv.Streams.Length;
            }
        }

        return streams;
    }

    private static void RenderSelf(ExpositionWriter w, FleetWideFamilies fleet)
    {
        var (stats, lateIncrements, previous) = (fleet.Stats, fleet.LateIncrements, fleet.Previous);
        if (previous.Series > 0)
        {
            w.BeginFamily("inference_collector_series", MetricType.Gauge, "Sample lines in the previous /metrics render (all families).");
            w.WriteSample([], previous.Series);
            w.BeginFamily("inference_collector_render_duration_seconds", MetricType.Gauge, "Time the previous /metrics render took, snapshot included.");
            w.WriteSample([], previous.Seconds);
            w.BeginFamily("inference_collector_render_bytes", MetricType.Gauge, "Size of the previous /metrics body.");
            w.WriteSample([], previous.Bytes);
        }

        w.BeginFamily("inference_collector_reports_received", MetricType.Counter, "Reports posted to /v1/reports, whatever became of them (accepted + duplicate + rejected).");
        w.WriteSample([], stats.Received);
        w.BeginFamily("inference_collector_reports_accepted", MetricType.Counter, "Reports applied.");
        w.WriteSample([], stats.Accepted);
        w.BeginFamily("inference_collector_reports_duplicate", MetricType.Counter, "Reports acknowledged but not applied again: their (agent instance, sequence) was already applied.");
        w.WriteSample([], stats.Duplicates);
        w.BeginFamily("inference_collector_reports_rejected", MetricType.Counter, "Reports refused, by reason.");
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            w.WriteSample([new("reason", RejectReasonNames.LabelOf(reason))], stats.Rejected(reason));
        }

        w.BeginFamily("inference_collector_late_increments", MetricType.Counter, "Increments older than the longest window: kept in raw counters, missing from windowed KPIs.");
        w.WriteSample([], lateIncrements);

        w.BeginFamily("inference_collector_ingest_duration_seconds", MetricType.Histogram, "Time to decode, check and apply one report.");
        var (cumulative, count, sum) = stats.LatencySnapshot();
        w.WriteHistogram([], IngestStats.LatencyBoundsSeconds, cumulative, count, sum);

        w.BeginFamily("inference_collector_nodes", MetricType.Gauge, "Nodes known to the collector, by state.");
        w.WriteSample([new("state", "up")], fleet.NodesUp);
        w.WriteSample([new("state", "stale")], fleet.NodesStale);
    }

    /// <summary>
    /// An engine's own label keeps its name unless it collides with ours: vLLM's data-parallel
    /// <c>engine</c> index becomes <c>engine_index</c>. Names are reduced to the Prometheus label charset.
    /// </summary>
    internal static string StreamLabelName(string engineLabel)
    {
        var name = engineLabel switch
        {
            "engine" => "engine_index",
            "node" or "site" or "pool" or "server" or "model" or "role" or "token_type" or "outcome" or "le" => "engine_" + engineLabel,
            _ => engineLabel,
        };
        return string.Create(name.Length, name, static (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                var c = src[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_';
            }

            if (span.Length > 0 && char.IsAsciiDigit(span[0]))
            {
                span[0] = '_';
            }
        });
    }
}

/// <summary>Size and cost of a /metrics render, exported on the next one.</summary>
/// <remarks>A class so that a reader on another thread (the OTLP push) swaps in a whole one, never a torn one.</remarks>
internal sealed record RenderStats(int Series, double Seconds, int Bytes)
{
    public static readonly RenderStats None = new(0, 0, 0);
}
