using Telemetry.Wire;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// Rejects reports the collector cannot apply truthfully, with a reason that names the field.
/// Counters must be finite and non-negative (a negative increment would un-count tokens or
/// joules); gauges that are not finite are kept as unknown rather than rejected.
/// </summary>
internal static class ReportValidator
{
    /// <summary>Longest identifier accepted (node, server, model, UUID, label value): longer is abuse or a bug.</summary>
    public const int MaxIdLength = 256;

    /// <summary>More GPUs or servers than this on one node is a malformed report, not a real machine.</summary>
    public const int MaxGpusPerNode = 256;

    public const int MaxServersPerNode = 256;

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

        return null;
    }

    private static string? Histogram(string path, HistogramSample h)
    {
        if ((Id(path + ".metric", h.Metric, required: true) ?? Counter(path + ".count", h.Count)) is { } e)
        {
            return e;
        }

        if (h.Sum is null || !double.IsFinite(h.Sum.Total) || !double.IsFinite(h.Sum.Delta))
        {
            return path + ".sum is missing or not finite";
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
