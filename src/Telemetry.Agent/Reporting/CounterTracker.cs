using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Turns cumulative readings into wire <see cref="Counter"/>s: the value, the increase since the
/// previous reading, and an epoch (Unix ms when this run of the counter was first seen). This is the
/// agent's one place for reset semantics, as Prometheus defines them: a value that goes down is a
/// restart of its source, so a new epoch starts and the whole new value is the increase. The first
/// reading of a counter has increase 0 — what happened before the agent watched is unknown. A caller
/// that knows its source restarted by other evidence (a new process start time) says so with <c>restarted</c>.
/// </summary>
public sealed class CounterTracker
{
    private readonly Dictionary<string, (double Total, long Epoch)> _last = new(StringComparer.Ordinal);

    public Counter Observe(string key, double total, long nowMs, bool restarted = false)
    {
        Counter counter;
        if (!_last.TryGetValue(key, out var last))
        {
            counter = new Counter { Total = total, Delta = 0, Epoch = nowMs };
        }
        else if (total < last.Total || restarted)
        {
            counter = new Counter { Total = total, Delta = total, Epoch = nowMs };
        }
        else
        {
            counter = new Counter { Total = total, Delta = total - last.Total, Epoch = last.Epoch };
        }

        _last[key] = (counter.Total, counter.Epoch);
        return counter;
    }
}
