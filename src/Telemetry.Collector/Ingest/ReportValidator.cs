using Google.Protobuf.Collections;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// Rejects reports the collector cannot apply truthfully, with a reason that names the field.
/// Counters must be finite and non-negative (a negative increment would un-count tokens or
/// joules); gauges never reject a report: impossible ones are cleared to unknown (<see cref="ClearImpossibleGauges"/>).
/// </summary>
internal static class ReportValidator
{
    /// <summary>Longest identifier accepted (node, server, model, UUID, label value): longer is abuse or a bug.</summary>
    public const int MaxIdLength = 256;

    /// <summary>More GPUs or servers than this on one node is a malformed report, not a real machine.</summary>
    public const int MaxGpusPerNode = 256;

    public const int MaxServersPerNode = 256;

    /// <summary>
    /// 2^53: above it a double no longer holds every integer, and no real counter gets there (a GPU at
    /// 1 kW needs 285 million years to count 2^53 J). Bigger is corruption; summed over scopes it
    /// would reach +Inf.
    /// </summary>
    public const double MaxCounterValue = 9_007_199_254_740_992;

    public static string? Validate(NodeReport r)
    {
        if (r.AgentInstanceId.Length == 0)
        {
            return "agent_instance_id is empty";
        }

        if (r.Sequence == 0)
        {
            return "sequence must start at 1";
        }

        if (r.SampleTimeUnixMs <= 0)
        {
            return "sample_time_unix_ms is missing";
        }

        if (r.PreviousSampleTimeUnixMs < 0 || r.PreviousSampleTimeUnixMs > r.SampleTimeUnixMs)
        {
            return "previous_sample_time_unix_ms is after sample_time_unix_ms";
        }

        if (!double.IsFinite(r.IntervalSeconds) || r.IntervalSeconds < 0)
        {
            return "interval_seconds is not a finite non-negative number";
        }

        if ((Id(".node", r.Node, required: true) ?? Id(".site", r.Site) ?? Id(".pool", r.Pool) ?? Id(".agent_instance_id", r.AgentInstanceId)) is { } idError)
        {
            return idError[1..];
        }

        if (r.Gpus.Count > MaxGpusPerNode || r.Servers.Count > MaxServersPerNode)
        {
            return $"too many GPUs or servers (limit {MaxGpusPerNode} each)";
        }

        for (var i = 0; i < r.Gpus.Count; i++)
        {
            var g = r.Gpus[i];
            if ((Id(".uuid", g.Uuid, required: true) ?? Id(".name", g.Name) ?? Counter(".energy_joules", g.EnergyJoules)) is { } e)
            {
                return $"gpus[{i}]{e}";
            }
        }

        if (FirstRepeat(r.Gpus, static (a, b) => a.Uuid == b.Uuid, static g => g.Uuid) is var gpu and >= 0)
        {
            return $"gpus[{gpu}].uuid '{r.Gpus[gpu].Uuid}' appears twice";
        }

        for (var i = 0; i < r.Servers.Count; i++)
        {
            if (Server(r.Servers[i]) is { } e)
            {
                return $"servers[{i}]{e}";
            }
        }

        if (FirstRepeat(r.Servers, static (a, b) => a.Name == b.Name, static s => s.Name) is var server and >= 0)
        {
            return $"servers[{server}].name '{r.Servers[server].Name}' appears twice";
        }

        return null;
    }

    // Every check below answers with its problem relative to the element it was given (".name is empty"), and
    // the caller puts the element's path in front only then: a valid report, checked for every request,
    // allocates nothing (a path string per field was 9 KB per report, docs/BENCHMARKS.md).

    private static string? Server(ServerSample s)
    {
        if ((Id(".name", s.Name, required: true) ?? Id(".engine", s.Engine) ?? Id(".role", s.Role) ?? Counter(".energy_joules", s.EnergyJoules)) is { } e)
        {
            return e;
        }

        if (s.SampleTimeUnixMs < 0 || s.PreviousSampleTimeUnixMs < 0 || s.PreviousSampleTimeUnixMs > s.SampleTimeUnixMs)
        {
            return ".previous_sample_time_unix_ms is after sample_time_unix_ms";
        }

        for (var j = 0; j < s.Streams.Count; j++)
        {
            if (Stream(s.Streams[j]) is { } se)
            {
                return $".streams[{j}]{se}";
            }
        }

        if (FirstRepeat(s.Streams, StreamState.SameStream, StreamState.KeyOf) is var repeat and >= 0)
        {
            return $".streams[{repeat}] repeats model '{s.Streams[repeat].Model}' with the same labels";
        }

        for (var j = 0; j < s.ProxyStreams.Count; j++)
        {
            if (ProxyStream(s.ProxyStreams[j]) is { } pe)
            {
                return $".proxy_streams[{j}]{pe}";
            }
        }

        return null;
    }

    private static string? Stream(StreamSample st)
    {
        if ((Id(".model", st.Model) ?? Counter(".input_tokens", st.InputTokens) ?? Counter(".output_tokens", st.OutputTokens)) is { } e)
        {
            return e;
        }

        if (Labels(st) is { } le)
        {
            return le;
        }

        return Requests(st.Requests) ?? Histograms(st.Histograms);
    }

    private static string? Labels(StreamSample st)
    {
        foreach (var (k, v) in StreamState.LabelsOf(st))
        {
            if (Id(".labels key", k, required: true) is { } ke)
            {
                return ke;
            }

            if (Id("", v) is { } ve)
            {
                return $".labels[{k}]{ve}";
            }
        }

        return null;
    }

    private static string? Requests(RepeatedField<OutcomeCounter> requests)
    {
        for (var i = 0; i < requests.Count; i++)
        {
            var o = requests[i];
            if (Id(".requests.outcome", o.Outcome, required: true) is { } oe)
            {
                return oe;
            }

            if (Counter("", o.Count) is { } ce)
            {
                return $".requests[{o.Outcome}]{ce}";
            }
        }

        return null;
    }

    private static string? Histograms(RepeatedField<HistogramSample> histograms)
    {
        for (var i = 0; i < histograms.Count; i++)
        {
            if (Histogram(histograms[i]) is { } he)
            {
                return $".histograms[{histograms[i].Metric}]{he}";
            }
        }

        return null;
    }

    /// <summary>
    /// Proxy counters follow the engine counters' rule; a sketch whose counts do not add up is not
    /// rejected here but dropped (and counted) when merged, like a late one.
    /// </summary>
    private static string? ProxyStream(ProxyStreamSample p)
    {
        if ((Id(".model", p.Model) ?? Id(".tenant", p.Tenant) ?? Id(".tier", p.Tier)
            ?? Counter(".input_tokens", p.InputTokens) ?? Counter(".output_tokens", p.OutputTokens)
            ?? Counter(".estimated_requests", p.EstimatedRequests) ?? Counter(".user_seconds", p.UserSeconds)) is { } e)
        {
            return e;
        }

        if (Requests(p.Requests) is { } oe)
        {
            return oe;
        }

        for (var i = 0; i < p.Sketches.Count; i++)
        {
            if (Id(".sketches.metric", p.Sketches[i].Metric, required: true) is { } se)
            {
                return se;
            }
        }

        return null;
    }

    /// <summary>
    /// The index of the first item whose key repeats an earlier item's, or -1. Compares pairwise for the
    /// handful a node has (no allocation), through a set of keys beyond, so a hostile list stays linear.
    /// </summary>
    private static int FirstRepeat<T>(RepeatedField<T> items, Func<T, T, bool> same, Func<T, string> key)
    {
        if (items.Count <= 16)
        {
            for (var i = 1; i < items.Count; i++)
            {
                for (var k = 0; k < i; k++)
                {
                    if (same(items[k], items[i]))
                    {
                        return i;
                    }
                }
            }

            return -1;
        }

        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.Add(key(items[i])))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Gauges are never a reason to refuse a report (its counters are still good): one that is not
    /// finite, negative where it cannot be, or a ratio outside 0–1 is cleared, i.e. unknown, as if
    /// the agent had not sent it. Returns how many were cleared.
    /// </summary>
    public static int ClearImpossibleGauges(NodeReport r)
    {
        var cleared = 0;
        for (var i = 0; i < r.Gpus.Count; i++) // for, not foreach: a RepeatedField's enumerator is an allocation, for every report
        {
            var g = r.Gpus[i];
            if (g.HasPowerWatts && !NonNegative(g.PowerWatts)) { g.ClearPowerWatts(); cleared++; }
            if (g.HasPowerLimitWatts && !NonNegative(g.PowerLimitWatts)) { g.ClearPowerLimitWatts(); cleared++; }
            if (g.HasUtilizationRatio && !Ratio(g.UtilizationRatio)) { g.ClearUtilizationRatio(); cleared++; }
            if (g.HasMemoryUsedBytes && !NonNegative(g.MemoryUsedBytes)) { g.ClearMemoryUsedBytes(); cleared++; }
            if (g.HasMemoryTotalBytes && !NonNegative(g.MemoryTotalBytes)) { g.ClearMemoryTotalBytes(); cleared++; }
            if (g.HasTemperatureCelsius && !(double.IsFinite(g.TemperatureCelsius) && g.TemperatureCelsius >= AbsoluteZeroCelsius)) { g.ClearTemperatureCelsius(); cleared++; }
            cleared += ClearImpossibleClocks(g);
        }

        for (var i = 0; i < r.Servers.Count; i++)
        {
            var streams = r.Servers[i].Streams;
            for (var j = 0; j < streams.Count; j++)
            {
                var st = streams[j];
                if (st.HasRunningRequests && !NonNegative(st.RunningRequests)) { st.ClearRunningRequests(); cleared++; }
                if (st.HasWaitingRequests && !NonNegative(st.WaitingRequests)) { st.ClearWaitingRequests(); cleared++; }
                if (st.HasKvCacheUsageRatio && !Ratio(st.KvCacheUsageRatio)) { st.ClearKvCacheUsageRatio(); cleared++; }
            }
        }

        return cleared;
    }

    private const double AbsoluteZeroCelsius = -273.15;

    /// <summary>
    /// 100 GHz: ten times any GPU clock shipped (HBM3 ~2.6 GHz, GDDR6X ~10.5 GHz as NVML reports it), so a
    /// larger value is a unit mistake (kHz or Hz sent twice converted), not a fast GPU.
    /// </summary>
    internal const double MaxPlausibleClockHertz = 100e9;

    private static int ClearImpossibleClocks(GpuSample g)
    {
        var cleared = 0;
        if (g.HasGraphicsClockHertz && !Clock(g.GraphicsClockHertz)) { g.ClearGraphicsClockHertz(); cleared++; }
        if (g.HasSmClockHertz && !Clock(g.SmClockHertz)) { g.ClearSmClockHertz(); cleared++; }
        if (g.HasMemoryClockHertz && !Clock(g.MemoryClockHertz)) { g.ClearMemoryClockHertz(); cleared++; }
        if (g.HasGraphicsClockMaxHertz && !Clock(g.GraphicsClockMaxHertz)) { g.ClearGraphicsClockMaxHertz(); cleared++; }
        if (g.HasSmClockMaxHertz && !Clock(g.SmClockMaxHertz)) { g.ClearSmClockMaxHertz(); cleared++; }
        if (g.HasMemoryClockMaxHertz && !Clock(g.MemoryClockMaxHertz)) { g.ClearMemoryClockMaxHertz(); cleared++; }
        return cleared;
    }

    private static bool Clock(double hertz) => hertz is >= 0 and <= MaxPlausibleClockHertz;

    private static bool NonNegative(double v) => double.IsFinite(v) && v >= 0;

    private static bool Ratio(double v) => v is >= 0 and <= 1;

    private static string? Histogram(HistogramSample h)
    {
        if (h.Count is null)
        {
            return ".count is missing";
        }

        if ((Id(".metric", h.Metric, required: true) ?? Counter(".count", h.Count)) is { } e)
        {
            return e;
        }

        if (h.Sum is null || !double.IsFinite(h.Sum.Total) || !double.IsFinite(h.Sum.Delta))
        {
            return ".sum is missing or not finite";
        }

        if (Math.Abs(h.Sum.Total) > MaxCounterValue || Math.Abs(h.Sum.Delta) > MaxCounterValue)
        {
            return ".sum is over 2^53";
        }

        if (h.BucketCounts.Count != h.UpperBounds.Count || (h.BucketDeltas.Count != 0 && h.BucketDeltas.Count != h.UpperBounds.Count))
        {
            return ": upper_bounds, bucket_counts and bucket_deltas differ in length";
        }

        for (var i = 0; i < h.UpperBounds.Count; i++)
        {
            if (!double.IsFinite(h.UpperBounds[i]) || (i > 0 && h.UpperBounds[i] <= h.UpperBounds[i - 1]))
            {
                return ".upper_bounds must be finite and strictly ascending";
            }

            if (!(h.BucketCounts[i] >= 0) || double.IsInfinity(h.BucketCounts[i]) || (i > 0 && h.BucketCounts[i] < h.BucketCounts[i - 1]) || h.BucketCounts[i] > h.Count.Total)
            {
                return ".bucket_counts must be finite, non-negative, non-decreasing and at most count";
            }

            if (h.BucketDeltas.Count != 0 && !(h.BucketDeltas[i] >= 0 && double.IsFinite(h.BucketDeltas[i])))
            {
                return ".bucket_deltas must be finite and non-negative";
            }
        }

        return null;
    }

    /// <summary>A counter's problem as <paramref name="field"/> + what is wrong (the field is a literal: no allocation when it is fine).</summary>
    private static string? Counter(string field, Counter? c)
    {
        if (c is null)
        {
            return null;
        }

        if (!double.IsFinite(c.Total) || !double.IsFinite(c.Delta))
        {
            return field + " is not finite";
        }

        if (c.Total > MaxCounterValue || c.Delta > MaxCounterValue)
        {
            return field + " is over 2^53";
        }

        return c.Total < 0 || c.Delta < 0 ? field + " is negative" : null;
    }

    private static string? Id(string field, string value, bool required = false)
    {
        if (required && value.Length == 0)
        {
            return field + " is empty";
        }

        return value.Length > MaxIdLength ? $"{field} is longer than {MaxIdLength} characters" : null;
    }
}
