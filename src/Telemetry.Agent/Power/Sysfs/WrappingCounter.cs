namespace Telemetry.Agent.Power.Sysfs;

/// <summary>
/// Turns a hardware counter that wraps at <c>max_energy_range_uj</c> (RAPL) into a cumulative one:
/// delta = cur − prev when cur ≥ prev, else cur + (max − prev) (powercap.rst; zeus rapl.py). Two wraps
/// between reads cannot be seen, so the agent must read faster than one wrap period (~20 min at 200 W).
/// Starts at the first raw value, so the cumulative series begins where the hardware counter is.
/// </summary>
internal sealed class WrappingCounter(ulong maxRange)
{
    private ulong? _previous;

    public ulong MaxRange { get; } = maxRange;

    /// <summary>Cumulative value in the counter's own unit.</summary>
    public double Total { get; private set; }

    public long Wraps { get; private set; }

    public double Observe(ulong raw)
    {
        if (_previous is not { } prev)
        {
            Total = raw;
        }
        else if (raw >= prev)
        {
            Total += raw - prev;
        }
        else
        {
            Total += raw + (MaxRange - Math.Min(prev, MaxRange));
            Wraps++;
        }

        _previous = raw;
        return Total;
    }
}
