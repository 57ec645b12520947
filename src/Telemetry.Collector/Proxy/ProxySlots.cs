using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>What the metering proxies measured in one time slot: token and request increments, user-seconds, latency sketches.</summary>
internal sealed class ProxySlot
{
    public long Index = long.MinValue;
    public double InputTokens;
    public double OutputTokens;
    public double UserSeconds;
    public double Success;
    public double Error;
    public double Aborted;
    public readonly LogSketch Ttft = new();
    public readonly LogSketch Tpot = new();
    public readonly LogSketch E2e = new();

    public void Reset(long index)
    {
        Index = index;
        InputTokens = OutputTokens = UserSeconds = Success = Error = Aborted = 0;
        Ttft.Clear();
        Tpot.Clear();
        E2e.Clear();
    }

    public LogSketch? SketchOf(string metric) => metric switch
    {
        "ttft_seconds" => Ttft,
        "tpot_seconds" => Tpot,
        "e2e_seconds" => E2e,
        _ => null,
    };
}

/// <summary>
/// One window's slots for one proxy stream (about 30, as <see cref="Configuration.WindowDuration.SlotSeconds"/>
/// sets, plus slack for late reports). A report's increments land whole in the slot of its sample time:
/// proxy reports are per interval, far shorter than a slot. Not thread-safe: the ledger's lock guards it.
/// </summary>
internal sealed class ProxySlotRing(int slotSeconds, int windowSlots)
{
    private const int SlackSlots = 3;

    private readonly ProxySlot[] _slots = [.. Enumerable.Range(0, windowSlots + SlackSlots).Select(_ => new ProxySlot())];
    private readonly long _slotMs = slotSeconds * 1000L;

    /// <summary>The slot for <paramref name="ms"/>, or null when it is older than the ring holds.</summary>
    public ProxySlot? SlotAt(long ms)
    {
        var index = Math.DivRem(ms, _slotMs, out var rem) - (rem < 0 ? 1 : 0);
        var slot = _slots[(int)(((index % _slots.Length) + _slots.Length) % _slots.Length)];
        if (slot.Index == index)
        {
            return slot;
        }

        if (slot.Index > index)
        {
            return null; // overwritten by a newer slot: too late for the windows
        }

        slot.Reset(index);
        return slot;
    }

    /// <summary>The slots within the window ending at <paramref name="nowMs"/>.</summary>
    public IEnumerable<ProxySlot> Window(long nowMs)
    {
        var newest = nowMs / _slotMs;
        foreach (var slot in _slots)
        {
            if (slot.Index > newest - windowSlots && slot.Index <= newest)
            {
                yield return slot;
            }
        }
    }
}
