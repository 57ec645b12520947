namespace Telemetry.Agent.Reporting;

/// <summary>
/// Capped exponential backoff with decorrelated jitter (AWS Architecture Blog, "Exponential Backoff
/// and Jitter", 2015): each wait is drawn uniformly from [min, 3 × previous wait], capped at max.
/// Without jitter every agent of a fleet that lost its collector at the same moment retries in lock
/// step and hits the restarted collector together; with it their retries spread over the cap. Never
/// below min, so a collector that refuses connections instantly is not hammered. Not thread-safe.
/// </summary>
public sealed class RetryBackoff(TimeSpan min, TimeSpan max, Random random)
{
    private TimeSpan _previous = min;

    public TimeSpan Min { get; } = min;
    public TimeSpan Max { get; } = max;

    /// <summary>The wait before the next attempt.</summary>
    public TimeSpan Next()
    {
        var upper = Math.Min(Max.Ticks, _previous.Ticks * 3);
        var ticks = upper <= Min.Ticks ? Min.Ticks : Min.Ticks + (long)(random.NextDouble() * (upper - Min.Ticks));
        _previous = TimeSpan.FromTicks(ticks);
        return _previous;
    }

    /// <summary>After a success: the next failure starts again from min.</summary>
    public void Reset() => _previous = Min;
}
