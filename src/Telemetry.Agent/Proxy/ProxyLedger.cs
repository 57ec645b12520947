using Telemetry.Scraping.Engines;
using Telemetry.Wire.Sketches;

namespace Telemetry.Agent.Proxy;

/// <summary>
/// Everything one proxy measured, per (model, tenant, tier): cumulative tokens and request outcomes,
/// active-user seconds, and latency sketches of the requests since the last <see cref="Drain"/>.
/// Requests record concurrently; the sampling loop drains once per interval. One lock: a record is a
/// handful of additions, far below the cost of the request it describes.
/// </summary>
public sealed class ProxyLedger(double activeUserSeconds)
{
    /// <summary>Distinct (model, tenant, tier) kept; beyond it tenants fold into <see cref="Overflow"/>, bounding series.</summary>
    public const int MaxStreams = 1000;

    /// <summary>Distinct users remembered per stream for the active-user count; the oldest are forgotten beyond it.</summary>
    public const int MaxUsersPerStream = 10_000;

    public const string Overflow = "other";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Model, string Tenant, string Tier), Entry> _entries = [];
    private long _lastDrainMs;

    public void Record(RequestRecord r, long nowMs)
    {
        lock (_lock)
        {
            var key = (r.Model, r.Who.Tenant, r.Who.Tier);
            if (!_entries.TryGetValue(key, out var e))
            {
                if (_entries.Count >= MaxStreams)
                {
                    key = (r.Model, Overflow, r.Who.Tier);
                }

                if (!_entries.TryGetValue(key, out e))
                {
                    e = new Entry();
                    _entries[key] = e;
                }
            }

            e.InputTokens += r.InputTokens;
            e.OutputTokens += r.OutputTokens;
            e.Requests[r.Outcome] = e.Requests.GetValueOrDefault(r.Outcome) + 1;
            if (r.Estimated)
            {
                e.EstimatedRequests++;
            }

            if (r.TtftSeconds is { } ttft && double.IsFinite(ttft) && ttft >= 0)
            {
                e.Ttft.Add(ttft);
            }

            if (r.ChunkGapsSeconds is { Count: > 0 } gaps)
            {
                foreach (var gap in gaps)
                {
                    if (double.IsFinite(gap) && gap >= 0)
                    {
                        e.Tpot.Add(gap);
                    }
                }
            }
            else if (r.TpotSeconds is { } tpot && double.IsFinite(tpot) && tpot >= 0)
            {
                e.Tpot.Add(tpot);
            }

            if (double.IsFinite(r.E2eSeconds) && r.E2eSeconds >= 0)
            {
                e.E2e.Add(r.E2eSeconds);
            }

            if (e.UsersLastSeenMs.Count >= MaxUsersPerStream && !e.UsersLastSeenMs.ContainsKey(r.Who.UserHash))
            {
                e.UsersLastSeenMs.Remove(e.UsersLastSeenMs.MinBy(u => u.Value).Key);
            }

            e.UsersLastSeenMs[r.Who.UserHash] = nowMs;
        }
    }

    /// <summary>
    /// Cumulative totals per stream, with the sketches of requests since the previous drain (then cleared).
    /// User-seconds grow by (users active now) × (time since the previous drain).
    /// </summary>
    public IReadOnlyList<ProxyStreamReading> Drain(long nowMs)
    {
        lock (_lock)
        {
            var elapsedSeconds = _lastDrainMs > 0 ? Math.Max(0, nowMs - _lastDrainMs) / 1000.0 : 0;
            _lastDrainMs = nowMs;
            var activeSince = nowMs - (long)(activeUserSeconds * 1000);
            var result = new List<ProxyStreamReading>(_entries.Count);
            foreach (var ((model, tenant, tier), e) in _entries)
            {
                var active = 0;
                foreach (var seen in e.UsersLastSeenMs.Values)
                {
                    active += seen >= activeSince ? 1 : 0;
                }

                e.UserSeconds += active * elapsedSeconds;
                result.Add(new ProxyStreamReading(model, tenant, tier, e.InputTokens, e.OutputTokens, new Dictionary<string, long>(e.Requests),
                    e.EstimatedRequests, e.UserSeconds, active,
                    [e.Ttft.ToSample(HistogramNames.Ttft), e.Tpot.ToSample(HistogramNames.Tpot), e.E2e.ToSample(HistogramNames.E2e)]));
                e.Ttft.Clear();
                e.Tpot.Clear();
                e.E2e.Clear();
            }

            return result;
        }
    }

    private sealed class Entry
    {
        public long InputTokens;
        public long OutputTokens;
        public long EstimatedRequests;
        public double UserSeconds;
        public readonly Dictionary<string, long> Requests = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> UsersLastSeenMs = new(StringComparer.Ordinal);
        public readonly LogSketch Ttft = new();
        public readonly LogSketch Tpot = new();
        public readonly LogSketch E2e = new();
    }
}

/// <summary>One stream of a <see cref="ProxyLedger.Drain"/>: cumulative counts, and sketches since the previous drain.</summary>
public sealed record ProxyStreamReading(string Model, string Tenant, string Tier, long InputTokens, long OutputTokens,
    IReadOnlyDictionary<string, long> Requests, long EstimatedRequests, double UserSeconds, int ActiveUsers,
    IReadOnlyList<Wire.SketchSample> Sketches);
