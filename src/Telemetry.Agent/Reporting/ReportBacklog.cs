using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Reporting.Spool;
using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Reports not yet acknowledged by the collector, oldest first, kept encoded and bounded in memory by
/// count and bytes. Past either bound the oldest report moves to the disk spool when one is configured,
/// else it is dropped and counted: the collector rebuilds its increments from the next report's
/// cumulative values, so a drop costs only the placement of those increments in time. Spooled reports
/// are always older than those in memory and are sent first. Thread-safe.
/// </summary>
public sealed class ReportBacklog : IDisposable
{
    /// <summary>Default memory bound: about an hour of 8-GPU, 2-server reports at 1 s (~3 KB each) while
    /// staying inside the agent's 60 MB working-set budget (docs/agent-self-protection.md).</summary>
    public const long DefaultMaxBytes = 16L << 20;

    private readonly Queue<QueuedReport> _memory = new();
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly ReportSpool? _spool;
    private readonly DropLog _drops;
    private long _bytes;
    private long _dropped;

    public ReportBacklog(int capacity)
        : this(capacity, DefaultMaxBytes, null, null)
    {
    }

    internal ReportBacklog(int capacity, long maxBytes, ReportSpool? spool, ILogger? logger)
    {
        Capacity = capacity;
        MaxBytes = maxBytes;
        _spool = spool;
        _drops = new DropLog(logger ?? NullLogger.Instance);
        if (spool is { Count: > 0 })
        {
            _available.Release();
        }
    }

    /// <summary>Reports kept in memory at most.</summary>
    public int Capacity { get; }

    /// <summary>Encoded bytes kept in memory at most.</summary>
    public long MaxBytes { get; }

    /// <summary>Reports waiting, in memory and in the spool.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _memory.Count + (_spool?.Count ?? 0);
            }
        }
    }

    /// <summary>Reports waiting in memory.</summary>
    public int MemoryCount
    {
        get
        {
            lock (_sync)
            {
                return _memory.Count;
            }
        }
    }

    /// <summary>Reports dropped because memory (and the spool, if any) was full, or lost to a damaged spool segment.</summary>
    public long Dropped
    {
        get
        {
            lock (_sync)
            {
                return _dropped + (_spool?.Dropped ?? 0);
            }
        }
    }

    /// <summary>Encodes and adds a report; returns true if older reports had to be dropped to make room.</summary>
    public bool Add(NodeReport report) =>
        Add(new QueuedReport(report.ToByteArray(), report.Sequence, report.SampleTimeUnixMs));

    public bool Add(QueuedReport report)
    {
        long dropped;
        lock (_sync)
        {
            var before = _dropped + (_spool?.Dropped ?? 0);
            _memory.Enqueue(report);
            _bytes += report.Payload.Length;
            while (_memory.Count > 1 && (_memory.Count > Capacity || _bytes > MaxBytes))
            {
                Evict(_memory.Dequeue());
            }

            dropped = _dropped + (_spool?.Dropped ?? 0) - before;
            if (dropped > 0)
            {
                _drops.Dropped(dropped, Capacity, MaxBytes, _spool is not null);
            }
        }

        _available.Release();
        return dropped > 0;
    }

    /// <summary>Waits until a report is queued and returns the oldest without removing it.</summary>
    public async Task<QueuedReport> PeekOldestAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_sync)
            {
                if (TryPeekSpool(out var spooled))
                {
                    return spooled;
                }

                if (_memory.TryPeek(out var first))
                {
                    return first;
                }
            }

            await _available.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes <paramref name="report"/> if it is still the oldest (it may have been dropped meanwhile).</summary>
    public void Acknowledge(QueuedReport report)
    {
        lock (_sync)
        {
            if (_spool is not null && _spool.Acknowledge(report))
            {
                _drops.Recovered(Count);
                return;
            }

            if (_memory.TryPeek(out var first) && ReferenceEquals(first, report))
            {
                _memory.Dequeue();
                _bytes -= report.Payload.Length;
                _drops.Recovered(_memory.Count + (_spool?.Count ?? 0));
            }
        }
    }

    /// <summary>Moves every report still in memory to the spool (at shutdown), so a restart sends them.</summary>
    public int FlushToSpool()
    {
        lock (_sync)
        {
            if (_spool is null)
            {
                return 0;
            }

            var moved = _memory.Count;
            while (_memory.TryDequeue(out var report))
            {
                Evict(report);
            }

            _bytes = 0;
            return moved;
        }
    }

    /// <summary>The agent's self-protection state as the NodeReport carries it.</summary>
    public AgentHealth Health()
    {
        lock (_sync)
        {
            return new AgentHealth
            {
                ReportsDroppedTotal = (ulong)(_dropped + (_spool?.Dropped ?? 0)),
                BacklogReports = (ulong)_memory.Count,
                BacklogBytes = (ulong)_bytes,
                SpoolReports = (ulong)(_spool?.Count ?? 0),
                SpoolBytes = (ulong)(_spool?.Bytes ?? 0),
                SpoolSegmentsSkippedTotal = (ulong)(_spool?.SegmentsSkipped ?? 0),
            };
        }
    }

    /// <summary>A report leaving memory: into the spool if there is one and the disk takes it, else dropped.</summary>
    private void Evict(QueuedReport report)
    {
        _bytes -= report.Payload.Length;
        if (_spool is not null)
        {
            try
            {
                _spool.Append(report);
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _drops.SpoolFailed(_spool.Directory, ex.Message);
            }
        }

        _dropped++;
    }

    private bool TryPeekSpool(out QueuedReport report)
    {
        report = null!;
        return _spool is not null && _spool.TryPeek(out report);
    }

    public void Dispose()
    {
        _spool?.Dispose();
        _available.Dispose();
    }
}
