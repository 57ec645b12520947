using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Reports not yet acknowledged by the collector, oldest first, bounded. When full the oldest is
/// dropped and counted: the collector rebuilds its increments from the next report's cumulative
/// values, so a drop costs only the placement of those increments in time. Thread-safe.
/// </summary>
public sealed class ReportBacklog(int capacity) : IDisposable
{
    private readonly LinkedList<NodeReport> _reports = new();
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _available = new(0);
    private long _dropped;

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _reports.Count;
            }
        }
    }

    /// <summary>Reports dropped because the backlog was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds a report; returns true if the oldest had to be dropped to make room.</summary>
    public bool Add(NodeReport report)
    {
        var dropped = false;
        lock (_sync)
        {
            if (_reports.Count >= Capacity)
            {
                _reports.RemoveFirst();
                Interlocked.Increment(ref _dropped);
                dropped = true;
            }

            _reports.AddLast(report);
        }

        _available.Release();
        return dropped;
    }

    /// <summary>Waits until a report is queued and returns the oldest without removing it.</summary>
    public async Task<NodeReport> PeekOldestAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_sync)
            {
                if (_reports.First is { } first)
                {
                    return first.Value;
                }
            }

            await _available.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes <paramref name="report"/> if it is still the oldest (it may have been dropped meanwhile).</summary>
    public void Acknowledge(NodeReport report)
    {
        lock (_sync)
        {
            if (_reports.First is { } first && ReferenceEquals(first.Value, report))
            {
                _reports.RemoveFirst();
            }
        }
    }

    public void Dispose() => _available.Dispose();
}
