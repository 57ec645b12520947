using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Simulation;

/// <summary>
/// A cumulative histogram fed with fractional observation counts from a log-normal latency
/// distribution (σ = 0.6), so the demo's buckets have realistic shapes. Integer counts are what is
/// reported (floors of the running totals), so the cumulative values never go down.
/// </summary>
internal sealed class SimulatedHistogram(double[] bounds)
{
    private const double Sigma = 0.6;

    private readonly double[] _cumulative = new double[bounds.Length];
    private double _count;
    private double _sum;

    public void Observe(double observations, double median)
    {
        for (var i = 0; i < bounds.Length; i++)
        {
            _cumulative[i] += observations * LogNormalCdf(bounds[i], median);
        }

        _count += observations;
        _sum += observations * median * Math.Exp(Sigma * Sigma / 2); // log-normal mean
    }

    public HistogramReading Reading()
    {
        var counts = new double[_cumulative.Length];
        var count = Math.Floor(_count);
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Math.Min(Math.Floor(_cumulative[i]), count);
        }

        return new HistogramReading((double[])bounds.Clone(), counts, count, _sum);
    }

    private static double LogNormalCdf(double x, double median) => 0.5 * (1 + Erf(Math.Log(x / median) / (Sigma * Math.Sqrt(2))));

    /// <summary>Abramowitz–Stegun 7.1.26, |error| &lt; 1.5e-7: plenty for a demo's bucket shapes.</summary>
    private static double Erf(double x)
    {
        var sign = Math.Sign(x);
        x = Math.Abs(x);
        var t = 1 / (1 + (0.3275911 * x));
        var poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        var y = 1 - (poly * Math.Exp(-x * x));
        return sign * y;
    }
}
