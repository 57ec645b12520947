using System.Collections.Concurrent;
using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// A token bucket per node id: each node may send <see cref="RateLimitOptions.ReportsPerSecond"/> reports a
/// second on average and <see cref="RateLimitOptions.Burst"/> back to back. A refusal carries the whole seconds
/// until the next token (the <c>Retry-After</c> of the 429). Allocation-free once a node has its bucket; buckets
/// live as long as the collector, like the node's state. Not a defence against a holder of a wildcard token
/// inventing node ids (that caller can already create state): it keeps one busy or buggy node from crowding out the rest.
/// </summary>
public sealed class NodeRateLimiter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly double _ratePerSecond;
    private readonly TimeProvider _time;

    public NodeRateLimiter(RateLimitOptions options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _ratePerSecond = options.ReportsPerSecond;
        _burst = Math.Max(1, options.Burst);
        _tokensPerTick = options.ReportsPerSecond / _time.TimestampFrequency;
    }

    /// <summary>False when <c>Collector:RateLimit:ReportsPerSecond</c> is 0: every report passes.</summary>
    public bool Enabled => _ratePerSecond > 0;

    /// <summary>Takes one token of <paramref name="node"/>'s bucket: 0 when the report may pass, else the seconds (at least 1) to wait.</summary>
    public int TryAcquire(string node)
    {
        if (!Enabled)
        {
            return 0;
        }

        var now = _time.GetTimestamp();
        // A new node starts with a full bucket, so a first replay after an outage gets the whole burst.
        var bucket = _buckets.GetOrAdd(node, static (_, state) => new Bucket(state.Burst, state.Now), (Burst: _burst, Now: now));
        var missing = bucket.Take(now, _tokensPerTick, _burst);
        return missing <= 0 ? 0 : (int)Math.Clamp(Math.Ceiling(missing / _ratePerSecond), 1, int.MaxValue);
    }

    private sealed class Bucket(double tokens, long lastTimestamp)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _last = lastTimestamp;

        /// <summary>Refills for the time passed, then takes a token: 0 on success, else how many tokens are missing.</summary>
        public double Take(long now, double tokensPerTick, double burst)
        {
            lock (_gate)
            {
                if (now > _last)
                {
                    _tokens = Math.Min(burst, _tokens + ((now - _last) * tokensPerTick));
                    _last = now;
                }

                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return 0;
                }

                return 1 - _tokens;
            }
        }
    }
}
