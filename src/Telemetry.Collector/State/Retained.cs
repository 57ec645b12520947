using Google.Protobuf.Collections;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>
/// Keeps what the state already holds when a report says the same thing again. A decoded report
/// is garbage a moment after it is applied — cheap, it dies young — unless the state keeps a
/// reference into it: then every report's strings and histograms survive into the older GC
/// generations, and at thousands of reports per second promoting them costs more than applying
/// them (docs/BENCHMARKS.md, load). So: reuse equal strings and arrays, copy values into
/// long-lived objects, never keep the decoded message.
/// </summary>
internal static class Retained
{
    public static string Keep(string current, string incoming) =>
        string.Equals(current, incoming, StringComparison.Ordinal) ? current : incoming;

    public static string[] Keep(string[] current, RepeatedField<string> incoming)
    {
        if (current.Length == incoming.Count)
        {
            var same = true;
            for (var i = 0; i < current.Length && same; i++)
            {
                same = string.Equals(current[i], incoming[i], StringComparison.Ordinal);
            }

            if (same)
            {
                return current;
            }
        }

        return [.. incoming];
    }

    /// <summary>The state's copy of a histogram: <paramref name="current"/> updated in place, or a new copy when there is none.</summary>
    public static HistogramSample Copy(HistogramSample? current, HistogramSample incoming)
    {
        if (current is null)
        {
            return incoming.Clone();
        }

        current.Metric = Keep(current.Metric, incoming.Metric);
        CopyValues(current.UpperBounds, incoming.UpperBounds);
        CopyValues(current.BucketCounts, incoming.BucketCounts);
        CopyValues(current.BucketDeltas, incoming.BucketDeltas);
        current.Count = Copy(current.Count, incoming.Count);
        current.Sum = Copy(current.Sum, incoming.Sum);
        return current;
    }

    private static Counter? Copy(Counter? current, Counter? incoming)
    {
        if (incoming is null)
        {
            return null;
        }

        current ??= new Counter();
        current.Total = incoming.Total;
        current.Delta = incoming.Delta;
        current.Epoch = incoming.Epoch;
        return current;
    }

    private static void CopyValues(RepeatedField<double> current, RepeatedField<double> incoming)
    {
        if (current.Count != incoming.Count)
        {
            current.Clear();
            current.AddRange(incoming);
            return;
        }

        for (var i = 0; i < incoming.Count; i++)
        {
            current[i] = incoming[i];
        }
    }
}
