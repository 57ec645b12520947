using Telemetry.Agent.Simulation;
using Telemetry.Wire;

namespace Telemetry.Agent.Power;

/// <summary>
/// Demo GPUs (<c>Agent:Power:Sources = simulated</c>) whose energy counter is the exact integral of
/// the simulated workload's power curve, so the whole pipeline can be seen working on a machine
/// without a GPU. Names and UUIDs say "Simulated" so nobody mistakes them for hardware.
/// </summary>
public sealed class SimulatedPowerSource : IPowerSource
{
    private const double PowerLimitWatts = 700;
    private const double MemoryTotalBytes = 80.0 * 1024 * 1024 * 1024;

    /// <summary>An H100 SXM5's maximum SM and memory clocks (nvidia-smi -q "Max Clocks"), in Hz.</summary>
    private const double SmClockMaxHertz = 1980e6;
    private const double MemoryClockMaxHertz = 2619e6;

    private readonly SimulatedWorkload _workload;
    private readonly TimeProvider _time;
    private readonly string _model;
    private readonly double[] _energyJoules;
    private double _lastT;

    public SimulatedPowerSource(SimulatedWorkload workload, int gpus, string model, TimeProvider time)
    {
        _workload = workload;
        _time = time;
        _model = model;
        _energyJoules = new double[gpus];
        _lastT = workload.SecondsSinceStart(time.GetUtcNow());
    }

    public string Name => "simulated";

    /// <summary>Per-GPU spread: identical GPUs in one server still differ by a few percent.</summary>
    internal static double GpuFactor(int index) => 1 + (0.03 * (index % 3));

    public static string UuidOf(int index) => $"GPU-51301a7e-0000-4000-8000-{index:D12}";

    public PowerReading Read()
    {
        var t = _workload.SecondsSinceStart(_time.GetUtcNow());
        var gpus = new GpuReading[_energyJoules.Length];
        for (var i = 0; i < gpus.Length; i++)
        {
            var factor = GpuFactor(i);
            _energyJoules[i] += SimulatedWorkload.Integrate(x => SimulatedWorkload.PowerWatts(x, factor), _lastT, t);
            var load = SimulatedWorkload.Load(t);
            gpus[i] = new GpuReading
            {
                Index = (uint)i,
                Uuid = UuidOf(i),
                Name = _model,
                Source = Name,
                Method = EnergyMethod.Simulated,
                EnergyJoules = _energyJoules[i],
                PowerWatts = SimulatedWorkload.PowerWatts(t, factor),
                PowerLimitWatts = PowerLimitWatts,
                UtilizationRatio = Math.Min(1, 0.1 + (0.9 * load)),
                MemoryUsedBytes = MemoryTotalBytes * (0.55 + (0.4 * load)),
                MemoryTotalBytes = MemoryTotalBytes,
                TemperatureCelsius = 38 + (40 * load),
                Clocks = SimulatedClocks(load),
            };
        }

        _lastT = Math.Max(_lastT, t);
        return new PowerReading(gpus, []);
    }

    /// <summary>The SM clock idles low and boosts with load, as GPU boost does; HBM runs at its one clock.</summary>
    private static GpuClocks SimulatedClocks(double load)
    {
        var sm = SmClockMaxHertz * (0.2 + (0.8 * Math.Clamp(load, 0, 1)));
        return new GpuClocks(sm, sm, MemoryClockMaxHertz, SmClockMaxHertz, SmClockMaxHertz, MemoryClockMaxHertz);
    }

    public void Dispose()
    {
    }
}
