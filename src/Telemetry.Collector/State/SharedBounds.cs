using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Telemetry.Collector.State;

/// <summary>
/// One array per distinct set of histogram bounds, shared by every stream that reports it: a fleet runs a few
/// engine versions, so 100,000 streams have a handful of bucket layouts. Sharing saves the copies (≈ 200 bytes
/// per stream and metric) and lets a scope's windows recognise their own bounds by reference instead of
/// comparing every value on every addition. Bounded: past <see cref="Capacity"/> layouts (a fleet that invents
/// bounds) new ones are simply not shared.
/// </summary>
internal static class SharedBounds
{
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<double[], double[]> Table = new(new ValueComparer());

    /// <summary>The shared array holding the same values as <paramref name="bounds"/> (never written to), or <paramref name="bounds"/> itself.</summary>
    public static double[] Of(double[] bounds)
    {
        if (Table.TryGetValue(bounds, out var shared))
        {
            return shared;
        }

        return Table.Count < Capacity ? Table.GetOrAdd(bounds, bounds) : bounds;
    }

    /// <summary>Bit for bit: the shared array is printed as <c>le</c> labels, so 0 and -0 are different layouts.</summary>
    private sealed class ValueComparer : IEqualityComparer<double[]>
    {
        public bool Equals(double[]? x, double[]? y) =>
            MemoryMarshal.Cast<double, long>(x.AsSpan()).SequenceEqual(MemoryMarshal.Cast<double, long>(y.AsSpan()));

        public int GetHashCode(double[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
