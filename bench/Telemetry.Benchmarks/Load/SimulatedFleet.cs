using System.Buffers;
using Google.Protobuf;
using Telemetry.Wire;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// N simulated nodes (8 GPUs × 2 vLLM servers each, <see cref="SyntheticReports"/>) whose counters
/// advance one report at a time. A node is advanced and encoded by one caller at a time (the open-loop
/// dispatcher, or the closed-loop worker owning it); the encoded body goes into a pooled buffer.
/// </summary>
internal sealed class SimulatedFleet
{
    private readonly NodeReport[] _reports;
    private readonly ulong[] _sequences;

    public SimulatedFleet(int nodes, string prefix)
    {
        _reports = new NodeReport[nodes];
        _sequences = new ulong[nodes];
        for (var i = 0; i < nodes; i++)
        {
            _reports[i] = SyntheticReports.Node($"{prefix}-{i:D5}");
        }
    }

    public int Count => _reports.Length;

    /// <summary>Bytes of one encoded report (all nodes' reports have the same shape).</summary>
    public int ReportBytes => _reports[0].CalculateSize();

    /// <summary>Advances node <paramref name="node"/> to its next sequence at the current time and encodes it; return the buffer with <see cref="Return"/>.</summary>
    public byte[] Next(int node, out int length)
    {
        var report = _reports[node];
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SyntheticReports.Advance(report, ++_sequences[node], nowMs);
        length = report.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        report.WriteTo(buffer.AsSpan(0, length));
        return buffer;
    }

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
