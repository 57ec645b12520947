using System.Diagnostics;

namespace Telemetry.Benchmarks.Load;

/// <summary>What the open-loop phase measured.</summary>
internal sealed record OpenLoopResult(
    long Offered, long Accepted, long Refused, long Failed, long Late, long Unsent, double Seconds,
    LatencyRecorder Latency, LatencyRecorder ScheduleLag, long[] AcceptedPerSecond, long[] LatePerSecond);

/// <summary>
/// The fleet's 1 Hz schedule, open loop: node i sends at start + k s + i/N s whatever the collector
/// does, so a slow collector shows up as latency and late sends instead of a politely lower rate
/// (no coordinated omission). At most <c>maxInFlight</c> requests are outstanding; a send that has
/// to wait for a slot, or that the dispatcher reaches late, starts behind schedule and is counted.
/// The phase is bounded in time: slots still unsent <see cref="Grace"/> after the schedule's end are
/// counted as unsent, not sent.
/// </summary>
internal sealed class OpenLoopDriver(IngestClient client, SimulatedFleet fleet, int maxInFlight) : IDisposable
{
    /// <summary>A send starting this far behind its slot is late: a tenth of the 1-s report interval.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMilliseconds(100);

    /// <summary>How long after the schedule's last slot sends may still start.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);
    private readonly LatencyRecorder _latency = new();
    private readonly LatencyRecorder _lag = new();
    private long _accepted;
    private long _refused;
    private long _failed;
    private long _late;

    public async Task<OpenLoopResult> RunAsync(int seconds, CancellationToken ct)
    {
        var nodes = fleet.Count;
        var perSecond = new long[seconds + 1];
        var latePerSecond = new long[seconds]; // by the second the send was due in
        var total = (long)nodes * seconds;
        var lateTicks = (long)(LateAfter.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(capacity: 1024);
        var deadline = start + (long)((seconds + Grace.TotalSeconds) * Stopwatch.Frequency);
        long slot = 0;
        while (slot < total && !ct.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now > deadline)
            {
                break; // bounded in time: what is left is reported as unsent
            }

            // Every slot that is due goes now; the next wake-up is ~1 ms later (timer resolution).
            while (slot < total && Due(start, slot, nodes) <= now && Stopwatch.GetTimestamp() <= deadline)
            {
                await _slots.WaitAsync(ct).ConfigureAwait(false);
                var due = Due(start, slot, nodes);
                var started = Stopwatch.GetTimestamp();
                _lag.Record(Stopwatch.GetElapsedTime(due, started));
                if (started - due > lateTicks)
                {
                    _late++;
                    latePerSecond[slot / nodes]++;
                }

                inFlight.Add(SendAsync((int)(slot % nodes), start, perSecond, ct));
                slot++;
                if (inFlight.Count >= 1024)
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Due(start, slot, nodes));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, ct).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new OpenLoopResult(total, _accepted, _refused, _failed, _late, total - slot, elapsed, _latency, _lag, perSecond, latePerSecond);
    }

    private static long Due(long start, long slot, int nodes) => start + (long)(slot * (double)Stopwatch.Frequency / nodes);

    private async Task SendAsync(int node, long runStart, long[] perSecond, CancellationToken ct)
    {
        var body = fleet.Next(node, out var length); // synchronous part: runs on the dispatcher, one node at a time
        var started = Stopwatch.GetTimestamp();
        try
        {
            var status = await client.PostAsync(body, length, ct).ConfigureAwait(false);
            var done = Stopwatch.GetTimestamp();
            _latency.Record(Stopwatch.GetElapsedTime(started, done));
            if (status == 202)
            {
                Interlocked.Increment(ref _accepted);
                var second = (int)Math.Min(perSecond.Length - 1, Stopwatch.GetElapsedTime(runStart, done).TotalSeconds);
                Interlocked.Increment(ref perSecond[second]);
            }
            else if (status == 0)
            {
                Interlocked.Increment(ref _failed);
            }
            else
            {
                Interlocked.Increment(ref _refused);
            }
        }
        finally
        {
            SimulatedFleet.Return(body);
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
