using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Logs backlog drops once per episode, not once per report: a warning at the first drop, and when
/// the backlog drains again a summary of how many were lost. A full backlog at 1 Hz would otherwise
/// write a line a second for the whole outage. Called under the backlog's lock.
/// </summary>
internal sealed class DropLog(ILogger logger)
{
    private long _episodeDrops;
    private string? _spoolProblem;

    public void Dropped(long count, int capacity, long maxBytes, bool spooling)
    {
        if (_episodeDrops == 0)
        {
            logger.LogWarning("Backlog full (at most {Capacity} reports / {MaxBytes} bytes{Spool}): dropping the oldest reports. The collector recovers their counts from later cumulative values; only their placement in time is lost. inference_agent_reports_dropped_total counts them",
                capacity, maxBytes, spooling ? " in memory, and the spool is full too" : "");
        }

        _episodeDrops += count;
    }

    public void SpoolFailed(string directory, string error)
    {
        if (_spoolProblem != error)
        {
            logger.LogError("Spool {Directory} refused a report ({Error}): dropping it instead", directory, error);
            _spoolProblem = error;
        }
    }

    /// <summary>A report was acknowledged; ends the episode (with its summary) once nothing is waiting.</summary>
    public void Recovered(int waiting)
    {
        if (_episodeDrops > 0 && waiting == 0)
        {
            logger.LogWarning("Backlog drained: {Dropped} report(s) were dropped while it was full", _episodeDrops);
            _episodeDrops = 0;
        }

        _spoolProblem = null;
    }
}
