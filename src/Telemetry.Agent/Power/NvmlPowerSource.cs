using Microsoft.Extensions.Logging;
using Telemetry.Agent.Power.Integration;
using Telemetry.Nvml;

namespace Telemetry.Agent.Power;

/// <summary>
/// NVIDIA GPUs through NVML. Energy comes from each device's total-energy counter (mJ → J in the NVML
/// layer); a GPU without one is integrated from power at ≥ 10 Hz in the background (see <see cref="NvmlGpu"/>).
/// If the library cannot be loaded the agent keeps running its other sources and retries every
/// <see cref="RetryInterval"/>; a GPU that stops answering is reported as lost while the others continue.
/// </summary>
public sealed class NvmlPowerSource : IPowerSource
{
    /// <summary>Re-trying NVML initialisation more often than this only fills logs.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    private readonly string? _libraryPath;
    private readonly double _integrationHz;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _integratorGate = new();
    private NvmlLibrary? _library;
    private List<NvmlGpu> _gpus = [];
    private List<string> _skipped = [];
    private PowerIntegrator? _integrator;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private string? _openError;

    public NvmlPowerSource(string? libraryPath, ILogger logger, TimeProvider time)
        : this(libraryPath, PowerIntegrator.MinHz, logger, time)
    {
    }

    /// <summary>With the fallback integrator at <c>Agent:Power:IntegrationHz</c>.</summary>
    public NvmlPowerSource(string? libraryPath, double integrationHz, ILogger logger, TimeProvider time)
    {
        _libraryPath = string.IsNullOrEmpty(libraryPath) ? null : libraryPath;
        _integrationHz = integrationHz;
        _logger = logger;
        _time = time;
    }

    public string Name => "nvml";

    /// <summary>The driver version once the library is open.</summary>
    public string? DriverVersion => _library?.DriverVersion;

    public PowerReading Read()
    {
        if (_library is null && !TryOpen())
        {
            return PowerReading.Failed(_openError!);
        }

        var readings = new List<GpuReading>(_gpus.Count);
        var errors = new List<string>(_skipped); // e.g. NO_PERMISSION at open: said every read, not only logged once
        foreach (var gpu in _gpus)
        {
            readings.Add(gpu.Read(Integrator, errors));
        }

        return new PowerReading(readings, errors);
    }

    private PowerIntegrator Integrator()
    {
        lock (_integratorGate)
        {
            return _integrator ??= new PowerIntegrator(_integrationHz, _time, _logger);
        }
    }

    private bool TryOpen()
    {
        var now = _time.GetUtcNow();
        if (now < _nextAttempt)
        {
            return false;
        }

        _nextAttempt = now + RetryInterval;
        try
        {
            var library = NvmlLibrary.Open(_libraryPath);
            var gpus = new List<NvmlGpu>();
            var skipped = new List<string>();
            for (var i = 0; i < library.DeviceCount; i++)
            {
                try
                {
                    gpus.Add(new NvmlGpu(library, library.OpenDevice(i), _logger, _time));
                }
                catch (NvmlException ex)
                {
                    skipped.Add($"nvml: GPU {i} skipped: {ex.Message}");
                    _logger.LogWarning("GPU {Index} skipped: {Message}", i, ex.Message);
                }
            }

            _library = library;
            _gpus = gpus;
            _skipped = skipped;
            _openError = null;
            _logger.LogInformation("driver {Driver}, {Count} GPU(s): {Names}", library.DriverVersion, gpus.Count, string.Join(", ", gpus.Select(d => $"{d.Index}={d.Name} {d.Uuid}")));
            return true;
        }
        catch (Exception ex) when (ex is NvmlException or InvalidOperationException)
        {
            if (_openError != "nvml: " + ex.Message)
            {
                _logger.LogError("{Message}; other sources keep running, retrying every {Seconds} s", ex.Message, RetryInterval.TotalSeconds);
            }

            _openError = "nvml: " + ex.Message;
            return false;
        }
    }

    public void Dispose()
    {
        PowerIntegrator? integrator;
        lock (_integratorGate)
        {
            integrator = _integrator;
        }

        integrator?.Dispose(); // stop sampling before the library goes away
        _library?.Dispose();
    }
}
