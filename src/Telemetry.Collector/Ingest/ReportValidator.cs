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

        if ((Id("node", r.Node, required: true) ?? Id("site", r.Site) ?? Id("pool", r.Pool) ?? Id("agent_instance_id", r.AgentInstanceId)) is { } idError)
        {
            return idError;
        }

        if (r.Gpus.Count > MaxGpusPerNode || r.Servers.Count > MaxServersPerNode)
        {
            return $"too many GPUs or servers (limit {MaxGpusPerNode} each)";
        }

        var uuids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < r.Gpus.Count; i++)
        {
            var g = r.Gpus[i];
            if ((Id($"gpus[{i}].uuid", g.Uuid, required: true) ?? Id($"gpus[{i}].name", g.Name) ?? Counter($"gpus[{i}].energy_joules", g.EnergyJoules)) is { } e)
            {
                return e;
            }

            if (!uuids.Add(g.Uuid))
            {
                return $"gpus[{i}].uuid '{g.Uuid}' appears twice";
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < r.Servers.Count; i++)
        {
            if (Server($"servers[{i}]", r.Servers[i]) is { } e)
            {
                return e;
            }

            if (!names.Add(r.Servers[i].Name))
            {
                return $"servers[{i}].name '{r.Servers[i].Name}' appears twice";
            }
        }

        return null;
    }

    private static string? Server(string path, ServerSample s)
    {
        if ((Id(path + ".name", s.Name, required: true) ?? Id(path + ".engine", s.Engine) ?? Id(path + ".role", s.Role) ?? Counter(path + ".energy_joules", s.EnergyJoules)) is { } e)
        {
            return e;
        }

        if (s.SampleTimeUnixMs < 0 || s.PreviousSampleTimeUnixMs < 0 || s.PreviousSampleTimeUnixMs > s.SampleTimeUnixMs)
        {
            return path + ".previous_sample_time_unix_ms is after sample_time_unix_ms";
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < s.Streams.Count; j++)
        {
            var st = s.Streams[j];
            var sp = $"{path}.streams[{j}]";
            if ((Id(sp + ".model", st.Model) ?? Counter(sp + ".input_tokens", st.InputTokens) ?? Counter(sp + ".output_tokens", st.OutputTokens)) is { } se)
            {
                return se;
            }

            foreach (var (k, v) in st.Labels)
            {
                if ((Id(sp + ".labels key", k, required: true) ?? Id(sp + ".labels[" + k + "]", v)) is { } le)
                {
                    return le;
                }
            }

            if (!keys.Add(Telemetry.Collector.State.StreamState.KeyOf(st)))
            {
                return $"{sp} repeats model '{st.Model}' with the same labels";
            }

            foreach (var o in st.Requests)
            {
                if ((Id(sp + ".requests.outcome", o.Outcome, required: true) ?? Counter($"{sp}.requests[{o.Outcome}]", o.Count)) is { } oe)
                {
                    return oe;
                }
            }

            foreach (var h in st.Histograms)
            {
                if (Histogram($"{sp}.histograms[{h.Metric}]", h) is { } he)
                {
                    return he;
                }
            }
        }

        for (var j = 0; j < s.ProxyStreams.Count; j++)
        {
            if (ProxyStream($"{path}.proxy_streams[{j}]", s.ProxyStreams[j]) is { } pe)
            {
                return pe;
            }
        }

        return null;
    }

    /// <summary>
    /// Proxy counters follow the engine counters' rule; a sketch whose counts do not add up is not
    /// rejected here but dropped (and counted) when merged, like a late one.
    /// </summary>
    private static string? ProxyStream(string path, ProxyStreamSample p)
    {
        if ((Id(path + ".model", p.Model) ?? Id(path + ".tenant", p.Tenant) ?? Id(path + ".tier", p.Tier)
            ?? Counter(path + ".input_tokens", p.InputTokens) ?? Counter(path + ".output_tokens", p.OutputTokens)
            ?? Counter(path + ".estimated_requests", p.EstimatedRequests) ?? Counter(path + ".user_seconds", p.UserSeconds)) is { } e)
        {
            return e;
        }

        foreach (var o in p.Requests)
        {
            if ((Id(path + ".requests.outcome", o.Outcome, required: true) ?? Counter($"{path}.requests[{o.Outcome}]", o.Count)) is { } oe)
            {
                return oe;
            }
        }

        foreach (var sketch in p.Sketches)
        {
            if (Id(path + ".sketches.metric", sketch.Metric, required: true) is { } se)
            {
                return se;
            }
        }

        return null;
    }

    /// <summary>
    /// Gauges are never a reason to refuse a report (its counters are still good): one that is not
    /// finite, negative where it cannot be, or a ratio outside 0–1 is cleared, i.e. unknown, as if
    /// the agent had not sent it. Returns how many were cleared.
    /// </summary>
    public static int ClearImpossibleGauges(NodeReport r)
    {
        var cleared = 0;
        foreach (var g in r.Gpus)
        {
            if (g.HasPowerWatts && !NonNegative(g.PowerWatts)) { g.ClearPowerWatts(); cleared++; }
            if (g.HasPowerLimitWatts && !NonNegative(g.PowerLimitWatts)) { g.ClearPowerLimitWatts(); cleared++; }
            if (g.HasUtilizationRatio && !Ratio(g.UtilizationRatio)) { g.ClearUtilizationRatio(); cleared++; }
            if (g.HasMemoryUsedBytes && !NonNegative(g.MemoryUsedBytes)) { g.ClearMemoryUsedBytes(); cleared++; }
            if (g.HasMemoryTotalBytes && !NonNegative(g.MemoryTotalBytes)) { g.ClearMemoryTotalBytes(); cleared++; }
            if (g.HasTemperatureCelsius && !(double.IsFinite(g.TemperatureCelsius) && g.TemperatureCelsius >= AbsoluteZeroCelsius)) { g.ClearTemperatureCelsius(); cleared++; }
            cleared += ClearImpossibleClocks(g);
        }

        foreach (var st in r.Servers.SelectMany(s => s.Streams))
        {
            if (st.HasRunningRequests && !NonNegative(st.RunningRequests)) { st.ClearRunningRequests(); cleared++; }
            if (st.HasWaitingRequests && !NonNegative(st.WaitingRequests)) { st.ClearWaitingRequests(); cleared++; }
            if (st.HasKvCacheUsageRatio && !Ratio(st.KvCacheUsageRatio)) { st.ClearKvCacheUsageRatio(); cleared++; }
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

    private static string? Histogram(string path, HistogramSample h)
    {
        if (h.Count is null)
        {
            return path + ".count is missing";
        }

        if ((Id(path + ".metric", h.Metric, required: true) ?? Counter(path + ".count", h.Count)) is { } e)
        {
            return e;
        }

        if (h.Sum is null || !double.IsFinite(h.Sum.Total) || !double.IsFinite(h.Sum.Delta))
        {
            return path + ".sum is missing or not finite";
        }

        if (Math.Abs(h.Sum.Total) > MaxCounterValue || Math.Abs(h.Sum.Delta) > MaxCounterValue)
        {
            return path + ".sum is over 2^53";
        }

        if (h.BucketCounts.Count != h.UpperBounds.Count || (h.BucketDeltas.Count != 0 && h.BucketDeltas.Count != h.UpperBounds.Count))
        {
            return path + ": upper_bounds, bucket_counts and bucket_deltas differ in length";
        }

        for (var i = 0; i < h.UpperBounds.Count; i++)
        {
            if (!double.IsFinite(h.UpperBounds[i]) || (i > 0 && h.UpperBounds[i] <= h.UpperBounds[i - 1]))
            {
                return path + ".upper_bounds must be finite and strictly ascending";
            }

            if (!(h.BucketCounts[i] >= 0) || double.IsInfinity(h.BucketCounts[i]) || (i > 0 && h.BucketCounts[i] < h.BucketCounts[i - 1]) || h.BucketCounts[i] > h.Count.Total)
            {
                return path + ".bucket_counts must be finite, non-negative, non-decreasing and at most count";
            }

            if (h.BucketDeltas.Count != 0 && !(h.BucketDeltas[i] >= 0 && double.IsFinite(h.BucketDeltas[i])))
            {
                return path + ".bucket_deltas must be finite and non-negative";
            }
        }

        return null;
    }

    private static string? Counter(string path, Counter? c)
    {
        if (c is null)
        {
            return null;
        }

        if (!double.IsFinite(c.Total) || !double.IsFinite(c.Delta))
        {
            return path + " is not finite";
        }

        if (c.Total > MaxCounterValue || c.Delta > MaxCounterValue)
        {
            return path + " is over 2^53";
        }

        return c.Total < 0 || c.Delta < 0 ? path + " is negative" : null;
    }

    private static string? Id(string path, string value, bool required = false)
    {
        if (required && value.Length == 0)
        {
            return path + " is empty";
        }

        return value.Length > MaxIdLength ? $"{path} is longer than {MaxIdLength} characters" : null;
    }
}
