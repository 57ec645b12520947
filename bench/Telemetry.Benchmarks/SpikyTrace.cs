using System.Globalization;
using System.Text;

namespace Telemetry.Benchmarks;

/// <summary>
/// A repeating, inference-like power trace: idle baseline with bursts of 50–200 ms at 300–650 W separated by
/// 100–600 ms gaps (seeded, so every run is the same). Piecewise constant, so its exact integral is known.
/// </summary>
internal sealed class SpikyTrace
{
    /// <summary>The fake holds at most 64 trace points (FAKE_MAX_TRACE_POINTS): 31 bursts + the baseline.</summary>
    private const int MaxBursts = 31;

    private SpikyTrace(double periodSeconds, (double Start, double Watts)[] points)
    {
        PeriodSeconds = periodSeconds;
        Points = points;
    }

    public double PeriodSeconds { get; }

    public (double Start, double Watts)[] Points { get; }

    public static SpikyTrace Create(int seed, double periodSeconds, double baselineWatts)
    {
        var random = new Random(seed);
        var points = new List<(double, double)> { (0, baselineWatts) };
        var t = Millis(random.Next(100, 600));
        for (var i = 0; i < MaxBursts; i++)
        {
            var burst = Millis(random.Next(50, 201));
            var gap = Millis(random.Next(100, 601));
            if (t + burst + 0.001 >= periodSeconds)
            {
                break;
            }

            points.Add((t, random.Next(300, 651)));
            points.Add((t + burst, baselineWatts));
            t += burst + gap;
        }

        return new SpikyTrace(periodSeconds, [.. points]);
    }

    /// <summary>Exact ∫ P dt over [from, to], independent of the fake's own arithmetic.</summary>
    public double ExactJoules(double from, double to) => Cumulative(to) - Cumulative(from);

    /// <summary>The fake NVML's config lines for this trace on device 0.</summary>
    public string ToFakeConfig()
    {
        var trace = string.Join(',', Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Start:0.###}:{p.Watts:0.###}")));
        return new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"device0.period_s={PeriodSeconds}")
            .AppendLine("device0.trace=" + trace)
            .ToString();
    }

    public double MeanWatts => Cumulative(PeriodSeconds) / PeriodSeconds;

    private double Cumulative(double t)
    {
        var periods = Math.Floor(t / PeriodSeconds);
        return (periods * WithinPeriod(PeriodSeconds)) + WithinPeriod(t - (periods * PeriodSeconds));
    }

    private double WithinPeriod(double offset)
    {
        var sum = 0.0;
        for (var i = 0; i < Points.Length && Points[i].Start < offset; i++)
        {
            var end = Math.Min(i + 1 < Points.Length ? Points[i + 1].Start : PeriodSeconds, offset);
            sum += Points[i].Watts * (end - Points[i].Start);
        }

        return sum;
    }

    /// <summary>Whole milliseconds, so the trace survives the fake's config round trip exactly.</summary>
    private static double Millis(int ms) => ms / 1000.0;
}
