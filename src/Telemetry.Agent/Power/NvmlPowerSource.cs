using Microsoft.Extensions.Logging;
using Telemetry.Nvml;
using Telemetry.Wire;

namespace Telemetry.Agent.Power;

/// <summary>
/// NVIDIA GPUs through NVML. Energy comes from the device's total-energy counter (mJ → J in the
/// NVML layer), never from power × time. If the library cannot be loaded the agent keeps running
/// its other sources and retries every <see cref="RetryInterval"/>; a GPU that stops answering is
/// reported as lost while the others continue.
/// </summary>
public sealed class NvmlPowerSource(string? libraryPath, ILogger logger, TimeProvider time) : IPowerSource
{
    /// <summary>Re-trying NVML initialisation more often than this only fills logs.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    private NvmlLibrary? _library;
    private List<NvmlDevice> _devices = [];
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private string? _openError;

    public string Name => "nvml";

    public PowerReading Read()
    {
        if (_library is null && !TryOpen())
        {
            return PowerReading.Failed(_openError!);
        }

        var gpus = new List<GpuReading>(_devices.Count);
        var errors = new List<string>();
        foreach (var d in _devices)
        {
            gpus.Add(ReadDevice(d, errors));
        }

        return new PowerReading(gpus, errors);
    }

    private bool TryOpen()
    {
        var now = time.GetUtcNow();
        if (now < _nextAttempt)
        {
            return false;
        }

        _nextAttempt = now + RetryInterval;
        try
        {
            var library = NvmlLibrary.Open(string.IsNullOrEmpty(libraryPath) ? null : libraryPath);
            var devices = new List<NvmlDevice>();
            for (var i = 0; i < library.DeviceCount; i++)
            {
                try
                {
                    devices.Add(library.OpenDevice(i));
                }
                catch (NvmlException ex)
                {
                    logger.LogWarning("GPU {Index} skipped: {Message}", i, ex.Message);
                }
            }

            _library = library;
            _devices = devices;
            _openError = null;
            logger.LogInformation("driver {Driver}, {Count} GPU(s): {Names}", library.DriverVersion, devices.Count, string.Join(", ", devices.Select(d => $"{d.Index}={d.Name} {d.Uuid}")));
            return true;
        }
        catch (Exception ex) when (ex is NvmlException or InvalidOperationException)
        {
            if (_openError != "nvml: " + ex.Message)
            {
                logger.LogError("{Message}; other sources keep running, retrying every {Seconds} s", ex.Message, RetryInterval.TotalSeconds);
            }

            _openError = "nvml: " + ex.Message;
            return false;
        }
    }

    private static GpuReading ReadDevice(NvmlDevice d, List<string> errors)
    {
        var energy = d.ReadEnergyJoules();
        if (energy.Status == NvmlReturn.GpuIsLost)
        {
            errors.Add($"nvml: GPU {d.Index} ({d.Uuid}) is lost (NVML_ERROR_GPU_IS_LOST)");
            return new GpuReading { Index = (uint)d.Index, Uuid = d.Uuid, Name = d.Name, Source = "nvml", Lost = true };
        }

        if (!energy.IsSuccess)
        {
            errors.Add($"nvml: GPU {d.Index} ({d.Uuid}) has no energy counter ({energy.Status}); its energy is not counted");
        }

        var memory = d.ReadMemory();
        return new GpuReading
        {
            Index = (uint)d.Index,
            Uuid = d.Uuid,
            Name = d.Name,
            Source = "nvml",
            Method = energy.IsSuccess ? EnergyMethod.Counter : EnergyMethod.Unspecified,
            EnergyJoules = energy.IsSuccess ? energy.Value : null,
            PowerWatts = Value(d.ReadPowerWatts()),
            PowerLimitWatts = Value(d.ReadPowerLimitWatts()),
            UtilizationRatio = Value(d.ReadUtilizationRatio()),
            MemoryUsedBytes = memory.IsSuccess ? memory.Value.UsedBytes : null,
            MemoryTotalBytes = memory.IsSuccess ? memory.Value.TotalBytes : null,
            TemperatureCelsius = Value(d.ReadTemperatureCelsius()),
        };
    }

    private static double? Value(NvmlResult<double> r) => r.IsSuccess ? r.Value : null;

    public void Dispose() => _library?.Dispose();
}
