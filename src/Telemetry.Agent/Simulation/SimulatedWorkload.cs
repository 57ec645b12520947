namespace Telemetry.Agent.Simulation;

/// <summary>
/// The demo node's synthetic workload: a load level between 0.05 and 1 that drifts over minutes
/// with shorter bursts, from which both the simulated GPUs' power and the simulated engine's token
/// rates follow, so tokens per joule moves the way it does on a real node (better when busy).
/// Magnitudes follow ML.ENERGY's H100 figures (reference/gpu-energy.md §2.4): ~120 W loaded-idle and
/// ~700 W busy per GPU; the demo server spreads its tokens over two such GPUs, so it shows ~0.3 J per
/// output token when busy, more when idle power dominates. Deterministic in time: no randomness.
/// </summary>
public sealed class SimulatedWorkload(DateTimeOffset start)
{
    public const double IdleWatts = 120;
    public const double BusyExtraWatts = 580;
    public const double PeakOutputTokensPerSecond = 5000;

    /// <summary>Prompt tokens per generated token (chat traffic is prompt-heavy).</summary>
    public const double InputPerOutputToken = 3;

    /// <summary>Mean generated tokens per request, for request counts and latency histograms.</summary>
    public const double OutputTokensPerRequest = 250;

    /// <summary>Integration step: fine enough that the numeric integral is exact to ~1e-9 relative.</summary>
    private const double StepSeconds = 0.01;

    public DateTimeOffset Start { get; } = start;

    /// <summary>Load in [0.05, 1] at <paramref name="t"/> seconds after start.</summary>
    public static double Load(double t)
    {
        var slow = 0.55 + (0.35 * Math.Sin(2 * Math.PI * t / 300));
        var burst = 0.12 * Math.Sin(2 * Math.PI * t / 37) * Math.Sin(2 * Math.PI * t / 11);
        return Math.Clamp(slow + burst, 0.05, 1);
    }

    /// <summary>Power of one simulated GPU; <paramref name="gpuFactor"/> spreads GPUs apart slightly.</summary>
    public static double PowerWatts(double t, double gpuFactor) => (IdleWatts + (BusyExtraWatts * Math.Pow(Load(t), 0.7))) * gpuFactor;

    public static double OutputTokensPerSecond(double t) => PeakOutputTokensPerSecond * Load(t);

    public double SecondsSinceStart(DateTimeOffset now) => (now - Start).TotalSeconds;

    /// <summary>∫ f over [t0, t1] by Simpson's rule on <see cref="StepSeconds"/> steps.</summary>
    public static double Integrate(Func<double, double> f, double t0, double t1)
    {
        if (t1 <= t0)
        {
            return 0;
        }

        var n = Math.Max(2, (int)Math.Ceiling((t1 - t0) / StepSeconds));
        if (n % 2 == 1)
        {
            n++;
        }

        var h = (t1 - t0) / n;
        var sum = f(t0) + f(t1);
        for (var i = 1; i < n; i++)
        {
            sum += f(t0 + (i * h)) * (i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }
}
