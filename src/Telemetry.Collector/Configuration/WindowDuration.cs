using System.Globalization;

namespace Telemetry.Collector.Configuration;

/// <summary>A KPI window such as <c>1m</c>: its label exactly as configured, and its length in whole seconds.</summary>
public readonly record struct WindowDuration(string Label, int Seconds)
{
    /// <summary>Slots per window aimed at: enough resolution for a rolling view, little memory per scope.</summary>
    public const int TargetSlots = 30;

    /// <summary>
    /// Width of the window's slots: the largest divisor of the window that is at most 1/30 of it
    /// (and at least 1 s). A window advances one slot at a time: 2 s for 1m, 2 min for 1h.
    /// </summary>
    public int SlotSeconds
    {
        get
        {
            for (var d = Math.Max(1, Seconds / TargetSlots); d > 1; d--)
            {
                if (Seconds % d == 0)
                {
                    return d;
                }
            }

            return 1;
        }
    }

    /// <summary>Longest window accepted: the ring keeps one slot per second of it.</summary>
    public const int MaxSeconds = 24 * 3600;

    /// <summary>Parses <c>30s</c>, <c>1m</c>, <c>15m</c>, <c>1h</c>; null and a reason when it cannot.</summary>
    public static WindowDuration? TryParse(string text, out string? error)
    {
        error = null;
        var t = text.Trim();
        if (t.Length < 2)
        {
            error = $"'{text}' is not a window: use a number and a unit s, m or h, e.g. 5m";
            return null;
        }

        var multiplier = t[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, _ => 0 };
        if (multiplier == 0 || !int.TryParse(t.AsSpan(0, t.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            error = $"'{text}' is not a window: use a positive whole number and a unit s, m or h, e.g. 5m";
            return null;
        }

        var seconds = (long)n * multiplier;
        if (seconds > MaxSeconds)
        {
            error = $"'{text}' is longer than the longest window ({MaxSeconds / 3600}h)";
            return null;
        }

        return new WindowDuration(t, (int)seconds);
    }
}
