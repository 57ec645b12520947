using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>
/// The collector's memory of one cumulative counter, and the one place its increment is decided.
/// In sequence the agent's delta is the truth. After a gap (reports lost or dropped from the agent's
/// backlog) the increment is recovered from the cumulative values, so nothing is lost; if the source
/// restarted inside the gap (new epoch or value down), counting starts from 0 as Prometheus does.
/// </summary>
internal struct CounterState
{
    public double Total;
    public long Epoch;
    public bool Seen;

    public double Advance(Counter? counter, bool contiguous)
    {
        if (counter is null)
        {
            return 0;
        }

        double increment;
        if (contiguous || !Seen)
        {
            increment = counter.Delta;
        }
        else if (counter.Epoch == Epoch && counter.Total >= Total)
        {
            increment = counter.Total - Total;
        }
        else
        {
            increment = counter.Total;
        }

        Total = counter.Total;
        Epoch = counter.Epoch;
        Seen = true;
        return increment;
    }
}
