using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Telemetry.Fuzzing;

/// <summary>
/// What a fuzz run saw: outcomes by kind, failures (the first few in full, with seed and input
/// index so they reproduce), the slowest input, the most bytes one input allocated and the peak
/// managed heap. Shared by source link between the fuzz tests and the <c>fuzz</c> bench mode.
/// </summary>
internal sealed class FuzzTally(string target, int seed)
{
    /// <summary>Failures kept in full; more are only counted (one bug usually fails thousands of inputs).</summary>
    public const int MaxFailuresKept = 10;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _failures = [];

    public string Target { get; } = target;

    public int Seed { get; } = seed;

    public long Inputs { get; private set; }

    public long FailureCount { get; private set; }

    public IReadOnlyList<string> Failures => _failures;

    public SortedDictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);

    public TimeSpan Slowest { get; private set; }

    public long MostAllocatedBytes { get; private set; }

    public long PeakManagedBytes { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Count(string outcome)
    {
        Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;
    }

    /// <summary>Records one input's cost and fails it when over a bound.</summary>
    public void Observe(long index, byte[] input, TimeSpan took, long allocatedBytes, TimeSpan maxTime, long maxAllocatedBytes)
    {
        Inputs++;
        Slowest = took > Slowest ? took : Slowest;
        MostAllocatedBytes = Math.Max(MostAllocatedBytes, allocatedBytes);
        if (took > maxTime)
        {
            Fail(index, input, $"took {took.TotalMilliseconds:0} ms, over the {maxTime.TotalMilliseconds:0} ms bound per input");
        }

        if (allocatedBytes > maxAllocatedBytes)
        {
            Fail(index, input, $"allocated {allocatedBytes} bytes, over the {maxAllocatedBytes}-byte bound per input");
        }

        if ((Inputs & 1023) == 0)
        {
            SampleHeap();
        }
    }

    public void SampleHeap() => PeakManagedBytes = Math.Max(PeakManagedBytes, GC.GetTotalMemory(forceFullCollection: false));

    /// <summary>A failure of input number <paramref name="index"/>; <paramref name="input"/> null when it concerns the state after several inputs.</summary>
    public void Fail(long index, byte[]? input, string what)
    {
        FailureCount++;
        if (_failures.Count < MaxFailuresKept)
        {
            _failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Target} seed {Seed}, input #{index}{(input is null ? "" : " (" + InputMutator.Describe(input) + ")")}: {what}"));
        }
    }

    public string Summary()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{Target}: {Inputs} inputs in {Elapsed.TotalSeconds:0.0} s ({Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9):0} inputs/s), seed {Seed}, ");
        text.Append(CultureInfo.InvariantCulture,
            $"slowest {Slowest.TotalMilliseconds:0.0} ms, most allocated by one input {MostAllocatedBytes / 1024.0:0} KiB, peak managed heap {PeakManagedBytes / 1048576.0:0.0} MiB, {FailureCount} failures\n");
        text.Append("  outcomes: ").AppendJoin(", ", Outcomes.Select(o => $"{o.Key}={o.Value}"));
        foreach (var failure in _failures)
        {
            text.Append("\n  FAIL ").Append(failure);
        }

        return text.ToString();
    }
}
