namespace Telemetry.Benchmarks.Load;

/// <summary>RSS samples over a run, and their least-squares slope: growth that continues after warm-up is a leak.</summary>
internal sealed class MemoryTrend
{
    private readonly List<(double Seconds, double RssMb)> _samples = [];

    public void Add(double seconds, double rssMb) => _samples.Add((seconds, rssMb));

    public IReadOnlyList<(double Seconds, double RssMb)> Samples => _samples;

    /// <summary>Slope in MB per minute of the samples taken at or after <paramref name="fromSeconds"/>.</summary>
    public double SlopeMbPerMinute(double fromSeconds)
    {
        var points = _samples.Where(s => s.Seconds >= fromSeconds).ToList();
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var meanX = points.Average(p => p.Seconds);
        var meanY = points.Average(p => p.RssMb);
        var sxy = points.Sum(p => (p.Seconds - meanX) * (p.RssMb - meanY));
        var sxx = points.Sum(p => (p.Seconds - meanX) * (p.Seconds - meanX));
        return sxx == 0 ? double.NaN : sxy / sxx * 60;
    }
}
