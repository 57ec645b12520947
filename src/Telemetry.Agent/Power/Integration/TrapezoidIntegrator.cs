namespace Telemetry.Agent.Power.Integration;

/// <summary>
/// Integrates one power signal into cumulative joules with the trapezoid rule. A missing sample (null
/// watts) or a gap longer than <see cref="MaxGapSeconds"/> breaks the chain: that span is not counted,
/// because inventing energy for a device that did not answer is worse than under-counting it.
/// Not thread-safe; <see cref="PowerIntegrator"/> serialises access.
/// </summary>
public sealed class TrapezoidIntegrator(double maxGapSeconds)
{
    private double? _lastSeconds;
    private double? _lastWatts;

    public double MaxGapSeconds { get; } = maxGapSeconds;

    /// <summary>Cumulative energy since the first sample.</summary>
    public double Joules { get; private set; }

    /// <summary>Seconds actually integrated (excludes broken spans); Joules / CoveredSeconds is the mean power.</summary>
    public double CoveredSeconds { get; private set; }

    public long Samples { get; private set; }

    /// <param name="seconds">Monotonic time of the sample.</param>
    /// <param name="watts">The power then, or null when the read failed.</param>
    public void Add(double seconds, double? watts)
    {
        if (watts is { } w && (!double.IsFinite(w) || w < 0))
        {
            watts = null; // a nonsense reading counts as a missing one
        }

        if (watts is { } now && _lastSeconds is { } t0 && _lastWatts is { } before)
        {
            var dt = seconds - t0;
            if (dt > 0 && dt <= MaxGapSeconds)
            {
                Joules += (before + now) / 2 * dt;
                CoveredSeconds += dt;
            }
        }

        if (_lastSeconds is null || seconds >= _lastSeconds)
        {
            _lastSeconds = seconds;
            _lastWatts = watts;
        }

        Samples++;
    }
}
