namespace Telemetry.Collector.State;

/// <summary>
/// Estimates collector clock minus agent clock from (receive time − send time) of recent reports.
/// Transit and queueing only ever add to that difference, so the minimum over the last
/// <see cref="Window"/> reports is the offset (plus the fastest transit); a clock step on the agent
/// is followed within that many reports. Offsets under <see cref="ToleranceMs"/> are network delay
/// and jitter, not skew, and are left uncorrected. Not thread-safe: used under the node's lock.
/// </summary>
internal sealed class ClockOffsetEstimator
{
    /// <summary>Reports remembered: at a 1-s interval, a step change is followed within 16 s.</summary>
    public const int Window = 16;

    public const long ToleranceMs = 1000;

    private readonly long[] _raw = new long[Window];
    private int _count;
    private int _next;

    /// <summary>Adds one report's measurement and returns the offset to apply (0 when within tolerance).</summary>
    public long Observe(long receivedMs, long sentMs)
    {
        if (sentMs <= 0)
        {
            return Current();
        }

        _raw[_next] = receivedMs - sentMs;
        _next = (_next + 1) % Window;
        _count = Math.Min(_count + 1, Window);
        return Current();
    }

    private long Current()
    {
        if (_count == 0)
        {
            return 0;
        }

        var min = long.MaxValue;
        for (var i = 0; i < _count; i++)
        {
            min = Math.Min(min, _raw[i]);
        }

        return Math.Abs(min) < ToleranceMs ? 0 : min;
    }
}
