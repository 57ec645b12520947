using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// One part of the collector's /metrics when a large fleet is scraped in parts (<c>/metrics?part=i&amp;parts=n</c>):
/// every node's series are in the part its name hashes to, and everything that is not per node (fleet-wide KPI
/// scopes, tiers, the metering proxy's tenants, the collector's own health) is in part 0. The parts of one
/// <c>n</c> are disjoint and together are the whole exposition. Prometheus starts each target at its own offset in
/// the scrape interval, so n part targets spread one large render into n small ones (docs/prometheus.md).
/// </summary>
/// <remarks>
/// The hash is XxHash3 of the node name's UTF-8 bytes — fixed by its specification, the same in every process
/// and version (never <see cref="string.GetHashCode()"/>, which .NET randomizes per process), so a node stays in
/// its part across collector restarts and Prometheus never sees its series move between targets.
/// </remarks>
public readonly record struct MetricsPart(int Index, int Count)
{
    /// <summary>More parts than this would not make any render usefully smaller; it also bounds the render caches.</summary>
    public const int MaxCount = 256;

    /// <summary>The whole exposition: <c>/metrics</c> without parameters.</summary>
    public static readonly MetricsPart Whole = new(0, 1);

    public bool IsWhole => Count == 1;

    /// <summary>Whether the series that are not per node are in this part.</summary>
    public bool HasFleetWide => Index == 0;

    /// <summary>A number unique to this part among all parts of every count (0 for the whole).</summary>
    public int Key => IsWhole ? 0 : (Count * MaxCount) + Index;

    /// <summary>The part whose <see cref="Key"/> this is.</summary>
    public static MetricsPart FromKey(int key) => key == 0 ? Whole : new(key % MaxCount, key / MaxCount);

    public bool Contains(string node) => IsWhole || Of(node, Count) == Index;

    /// <summary>The part of <paramref name="count"/> that holds <paramref name="node"/>'s series.</summary>
    public static int Of(string node, int count)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> stack = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(node.Length) <= stack.Length ? stack : new byte[Encoding.UTF8.GetMaxByteCount(node.Length)];
        var length = Encoding.UTF8.GetBytes(node, bytes);
        return (int)(XxHash3.HashToUInt64(bytes[..length]) % (ulong)count);
    }

    /// <summary>
    /// Reads <c>?part=&amp;parts=</c>: both absent is the whole; otherwise both must be integers with
    /// 1 ≤ parts ≤ <see cref="MaxCount"/> and 0 ≤ part &lt; parts. <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string? part, string? parts, out MetricsPart result, out string? error)
    {
        result = Whole;
        error = null;
        if (string.IsNullOrEmpty(part) && string.IsNullOrEmpty(parts))
        {
            return true;
        }

        if (string.IsNullOrEmpty(part) || string.IsNullOrEmpty(parts))
        {
            error = "?part= and ?parts= go together: part i of n is /metrics?part=i&parts=n (0 <= i < n)";
            return false;
        }

        if (!int.TryParse(parts, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxCount)
        {
            error = $"?parts= must be a whole number from 1 to {MaxCount}, not '{Shorten(parts)}'";
            return false;
        }

        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= count)
        {
            error = $"?part= must be a whole number from 0 to {count - 1} (parts={count}), not '{Shorten(part)}'";
            return false;
        }

        result = new MetricsPart(index, count);
        return true;
    }

    private static string Shorten(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
