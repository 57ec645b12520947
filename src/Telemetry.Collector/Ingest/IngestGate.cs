using System.Runtime.CompilerServices;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// The global overload guard (DESIGN §6 "429 under overload"): at most <c>Collector:RateLimit:MaxInFlight</c>
/// ingest requests are read, decoded and applied at once; beyond that a request is answered 429 at once, before
/// its body is read, so a flood queues in the agents' backlogs rather than in the collector's memory.
/// Lock-free; 0 turns the guard off.
/// </summary>
public sealed class IngestGate(int maxInFlight)
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter()
    {
        var now = Interlocked.Increment(ref _inFlight);
        if (maxInFlight <= 0 || now <= maxInFlight)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    /// <summary>Leaves after a successful <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
