using Microsoft.Extensions.Logging;
using Telemetry.Agent.Power.Integration;
using Telemetry.Nvml;
using Telemetry.Wire;

namespace Telemetry.Agent.Power;

/// <summary>
/// One NVIDIA GPU of <see cref="NvmlPowerSource"/>, keyed by UUID. Chooses its energy method once: the
/// driver's counter, or, where that is NOT_SUPPORTED / missing / not permitted, power integrated by the
/// background <see cref="PowerIntegrator"/>. GPU_IS_LOST from any call marks it lost; every
/// <see cref="LostRetryInterval"/> it is looked up again by UUID, and readings resume when it answers.
/// </summary>
internal sealed class NvmlGpu
{
    /// <summary>A lost GPU is probed this often: NVML calls on an unhealthy GPU can block for seconds.</summary>
    public static readonly TimeSpan LostRetryInterval = TimeSpan.FromSeconds(5);

    private readonly NvmlLibrary _library;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private volatile NvmlDevice _device;
    private EnergyMethod _method;
    private PowerIntegrator.Channel? _integrated;
    private volatile bool _lost;
    private DateTimeOffset _nextReopen;
    private string? _pciBusId;
    private string? _architecture;
    private MaxClock _graphicsMax;
    private MaxClock _smMax;
    private MaxClock _memoryMax;

    public NvmlGpu(NvmlLibrary library, NvmlDevice device, ILogger logger, TimeProvider time)
    {
        _library = library;
        _device = device;
        _logger = logger;
        _time = time;
        Uuid = device.Uuid;
        Index = device.Index;
        Name = device.Name;
    }

    public string Uuid { get; }

    public int Index { get; }

    public string Name { get; }

    public GpuReading Read(Func<PowerIntegrator> integrator, List<string> errors)
    {
        if (_lost && !TryReopen())
        {
            return LostReading(errors);
        }

        var device = _device;
        var energy = device.ReadEnergyJoules();
        if (energy.Status == NvmlReturn.GpuIsLost)
        {
            return MarkLost(errors);
        }

        double? energyJoules = null;
        ChooseMethod(energy.Status, integrator, errors);
        if (_method == EnergyMethod.Counter && energy.IsSuccess)
        {
            energyJoules = energy.Value;
        }
        else if (_method == EnergyMethod.Integrated && _integrated is not null)
        {
            energyJoules = _integrated.Joules;
        }
        else if (_method == EnergyMethod.Counter)
        {
            errors.Add($"nvml: GPU {Index} ({Uuid}) energy read failed ({energy.Status}); this interval's energy is counted at the next good read");
        }

        var power = device.ReadPowerWatts();
        if (power.Status == NvmlReturn.GpuIsLost)
        {
            return MarkLost(errors);
        }

        _pciBusId ??= Value(device.ReadPciBusId());
        _architecture ??= device.ReadArchitecture() is { IsSuccess: true } a && Enum.IsDefined(a.Value) ? a.Value.ToString() : null;
        var memory = device.ReadMemory();
        var processes = device.ReadComputeProcesses();
        return new GpuReading
        {
            Index = (uint)Index,
            Uuid = Uuid,
            Name = Name,
            Source = "nvml",
            Method = energyJoules is null ? EnergyMethod.Unspecified : _method,
            EnergyJoules = energyJoules,
            PowerWatts = power.IsSuccess ? power.Value : null,
            PowerInstantWatts = device.ReadPowerFields() is { IsSuccess: true } f ? f.Value.InstantWatts : null,
            PowerLimitWatts = Value(device.ReadPowerLimitWatts()),
            UtilizationRatio = Value(device.ReadUtilizationRatio()),
            MemoryUsedBytes = memory.IsSuccess ? memory.Value.UsedBytes : null,
            MemoryTotalBytes = memory.IsSuccess ? memory.Value.TotalBytes : null,
            TemperatureCelsius = Value(device.ReadTemperatureCelsius()),
            Clocks = ReadClocks(device),
            PciBusId = _pciBusId,
            Architecture = _architecture,
            ProcessIds = processes.IsSuccess ? [.. processes.Value.Select(p => p.Pid)] : [],
            MigInstances = ReadMig(device),
        };
    }

    /// <summary>Once per GPU: the counter if it answers, else integration if power can be read at all.</summary>
    private void ChooseMethod(NvmlReturn energyStatus, Func<PowerIntegrator> integrator, List<string> errors)
    {
        if (_method != EnergyMethod.Unspecified)
        {
            return;
        }

        if (energyStatus == NvmlReturn.Success)
        {
            _method = EnergyMethod.Counter;
            return;
        }

        if (energyStatus is not (NvmlReturn.NotSupported or NvmlReturn.FunctionNotFound or NvmlReturn.NoPermission))
        {
            return; // transient: decide at the next read
        }

        var instant = _device.ReadPowerFields() is { IsSuccess: true, Value.InstantWatts: not null };
        if (!_device.ReadPowerWatts().IsSuccess && !instant)
        {
            _method = EnergyMethod.Unspecified;
            errors.Add($"nvml: GPU {Index} ({Uuid}) has no energy counter ({energyStatus}) and no power reading; its energy is not counted");
            return;
        }

        _integrated = integrator().Register("nvml " + Uuid, instant ? ReadInstantWatts : ReadPowerUsageWatts);
        _method = EnergyMethod.Integrated;
        _logger.LogWarning("GPU {Index} ({Uuid}) has no energy counter ({Status}); integrating its {Kind} power in the background",
            Index, Uuid, energyStatus, instant ? "instantaneous (field 186)" : "nvmlDeviceGetPowerUsage");
    }

    private double? ReadInstantWatts() => _lost ? null : _device.ReadPowerFields() is { IsSuccess: true } f ? f.Value.InstantWatts : null;

    private double? ReadPowerUsageWatts() => _lost ? null : Value(_device.ReadPowerWatts());

    /// <summary>
    /// Optional readings, like temperature: NOT_SUPPORTED (or any failure) leaves a clock unknown. GPU_IS_LOST is
    /// caught by the energy and power reads before these; one arriving here just leaves the clock unknown.
    /// A maximum is a property of the device, so once answered — a value, or NOT_SUPPORTED — it is not asked again
    /// (three NVML calls fewer per interval); other failures are asked again next interval.
    /// </summary>
    private GpuClocks ReadClocks(NvmlDevice device) => new(
        Value(device.ReadClockHertz(NvmlClockType.Graphics)),
        Value(device.ReadClockHertz(NvmlClockType.Sm)),
        Value(device.ReadClockHertz(NvmlClockType.Memory)),
        _graphicsMax.Read(device, NvmlClockType.Graphics),
        _smMax.Read(device, NvmlClockType.Sm),
        _memoryMax.Read(device, NvmlClockType.Memory));

    /// <summary>A domain's maximum clock, asked until the device answers for good.</summary>
    private struct MaxClock
    {
        private double? _hertz;
        private bool _answered;

        public double? Read(NvmlDevice device, NvmlClockType clock)
        {
            if (!_answered)
            {
                var r = device.ReadMaxClockHertz(clock);
                _answered = r.IsSuccess || r.Status == NvmlReturn.NotSupported;
                _hertz = r.IsSuccess ? r.Value : null;
            }

            return _hertz;
        }
    }

    private static IReadOnlyList<MigInstanceReading> ReadMig(NvmlDevice device)
    {
        if (device.ReadMigEnabled() is not { IsSuccess: true, Value: true })
        {
            return [];
        }

        var mig = device.ReadMigDevices().Value;
        var totalSlices = mig.Sum(m => (double)(m.MemoryTotalBytes ?? 0));
        return [.. mig.Select(m => new MigInstanceReading(m.Uuid, m.Name, m.GpuInstanceId, m.ComputeInstanceId,
            m.MemoryTotalBytes, m.MemoryUsedBytes,
            totalSlices > 0 ? (m.MemoryTotalBytes ?? 0) / totalSlices : 1.0 / mig.Count))];
    }

    private GpuReading MarkLost(List<string> errors)
    {
        if (!_lost)
        {
            _logger.LogError("GPU {Index} ({Uuid}) is lost (NVML_ERROR_GPU_IS_LOST); other GPUs continue, retrying every {Seconds} s", Index, Uuid, LostRetryInterval.TotalSeconds);
        }

        _lost = true;
        _nextReopen = _time.GetUtcNow() + LostRetryInterval;
        return LostReading(errors);
    }

    private GpuReading LostReading(List<string> errors)
    {
        errors.Add($"nvml: GPU {Index} ({Uuid}) is lost (NVML_ERROR_GPU_IS_LOST)");
        return new GpuReading { Index = (uint)Index, Uuid = Uuid, Name = Name, Source = "nvml", Method = _method, Lost = true };
    }

    private bool TryReopen()
    {
        if (_time.GetUtcNow() < _nextReopen)
        {
            return false;
        }

        try
        {
            _device = _library.OpenDeviceByUuid(Uuid, Index);
            _lost = false;
            _logger.LogInformation("GPU {Index} ({Uuid}) answers again", Index, Uuid);
            return true;
        }
        catch (NvmlException)
        {
            _nextReopen = _time.GetUtcNow() + LostRetryInterval;
            return false;
        }
    }

    private static double? Value(NvmlResult<double> r) => r.IsSuccess ? r.Value : null;

    private static string? Value(NvmlResult<string> r) => r.IsSuccess && r.Value.Length > 0 ? r.Value : null;
}
