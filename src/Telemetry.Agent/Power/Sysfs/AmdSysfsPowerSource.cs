using System.Text.RegularExpressions;
using Telemetry.Agent.Power.Integration;
using Telemetry.Wire;

namespace Telemetry.Agent.Power.Sysfs;

/// <summary>
/// AMD GPUs through the amdgpu driver's sysfs (<c>{root}/class/drm/cardN/device</c>, vendor 0x1002). Power is
/// <c>hwmon*/power1_average</c>, else <c>power1_input</c> (µW, SoC power; newer ASICs only have _input). amdgpu
/// has no hwmon energy counter, so energy is power integrated in the background — unless an
/// <c>energy1_input</c> (µJ) is present, which is then used as a counter. Cards are discovered at the first read.
/// Non-goal: the binary gpu_metrics file and amdsmi (their layouts change between ROCm releases).
/// </summary>
public sealed partial class AmdSysfsPowerSource : IPowerSource
{
    private const double MicroPerUnit = 1e6;      // µW per W, µJ per J
    private const double MilliPerUnit = 1e3;      // m°C per °C
    private const double PercentPerRatio = 100.0;
    private const string AmdVendor = "0x1002";

    /// <summary>Average first: it covers the whole interval; newer ASICs (MI300, RDNA3) only have the instant value.</summary>
    private static readonly string[] PowerFiles = ["power1_average", "power1_input"];

    private readonly string _root;
    private readonly LazyIntegrator _integrator;
    private List<Card>? _cards;

    public AmdSysfsPowerSource(string sysfsRoot, double integrationHz, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger)
    {
        _root = sysfsRoot;
        _integrator = new LazyIntegrator(integrationHz, time, logger);
    }

    public string Name => "amd-sysfs";

    public PowerReading Read()
    {
        _cards ??= Discover();
        if (_cards.Count == 0)
        {
            _cards = null; // try again next time: the driver may load later
            return PowerReading.Failed($"amd-sysfs: no AMD GPU (vendor {AmdVendor}) with a hwmon power sensor under {Path.Combine(_root, "class", "drm")}");
        }

        var errors = new List<string>();
        return new PowerReading([.. _cards.Select(c => ReadCard(c, errors))], errors);
    }

    private List<Card> Discover()
    {
        var drm = Path.Combine(_root, "class", "drm");
        if (!Directory.Exists(drm))
        {
            return [];
        }

        var cards = new List<Card>();
        foreach (var dir in Directory.GetDirectories(drm).Where(d => CardName().IsMatch(Path.GetFileName(d))).Order(StringComparer.Ordinal))
        {
            var device = Path.Combine(dir, "device");
            if (SysfsFile.ReadTextOrNull(Path.Combine(device, "vendor")) != AmdVendor)
            {
                continue;
            }

            // hwmonM numbering is not stable: enumerate instead of guessing.
            var hwmon = Directory.Exists(Path.Combine(device, "hwmon"))
                ? Directory.GetDirectories(Path.Combine(device, "hwmon")).Order(StringComparer.Ordinal).FirstOrDefault()
                : null;
            if (hwmon is null)
            {
                continue;
            }

            var power = PowerFiles.Select(f => Path.Combine(hwmon, f)).FirstOrDefault(File.Exists);
            var energy = Path.Combine(hwmon, "energy1_input");
            if (power is null && !File.Exists(energy))
            {
                continue;
            }

            var card = new Card(cards.Count, Path.GetFileName(dir), device, hwmon, power, File.Exists(energy) ? energy : null, Identify(device, Path.GetFileName(dir)));
            if (card.EnergyPath is null)
            {
                card.Integrated = _integrator.Register("amd " + card.Id.Uuid, () => SysfsFile.ReadScaled(power!, 1 / MicroPerUnit));
            }

            cards.Add(card);
        }

        return cards;
    }

    /// <summary>unique_id (Vega and newer) is the stable key; else the PCI slot, which survives reboots on the same host.</summary>
    private static (string Uuid, string Name, string? PciBusId) Identify(string device, string card)
    {
        var pci = SysfsFile.ReadTextOrNull(Path.Combine(device, "uevent"))?
            .Split('\n').FirstOrDefault(l => l.StartsWith("PCI_SLOT_NAME=", StringComparison.Ordinal))?["PCI_SLOT_NAME=".Length..];
        var unique = SysfsFile.ReadTextOrNull(Path.Combine(device, "unique_id"));
        var uuid = "AMD-" + (unique ?? pci ?? card);
        var name = SysfsFile.ReadTextOrNull(Path.Combine(device, "product_name")) ?? $"AMD GPU ({card})";
        return (uuid, name, pci);
    }

    private static GpuReading ReadCard(Card c, List<string> errors)
    {
        double? energy = null;
        if (c.EnergyPath is not null)
        {
            if (SysfsFile.TryReadUInt64(c.EnergyPath, out var microjoules, out var error))
            {
                energy = microjoules / MicroPerUnit;
            }
            else
            {
                errors.Add("amd-sysfs: " + error);
            }
        }
        else
        {
            energy = c.Integrated!.Joules;
        }

        double? power = null;
        if (c.PowerPath is not null)
        {
            if (SysfsFile.TryReadUInt64(c.PowerPath, out var microwatts, out var error))
            {
                power = microwatts / MicroPerUnit;
            }
            else
            {
                errors.Add("amd-sysfs: " + error);
            }
        }

        return new GpuReading
        {
            Index = (uint)c.Index,
            Uuid = c.Id.Uuid,
            Name = c.Id.Name,
            Source = "amd-sysfs",
            PciBusId = c.Id.PciBusId,
            Method = energy is null ? EnergyMethod.Unspecified : c.EnergyPath is null ? EnergyMethod.Integrated : EnergyMethod.Counter,
            EnergyJoules = energy,
            PowerWatts = power,
            PowerLimitWatts = Scaled(Path.Combine(c.Hwmon, "power1_cap"), 1 / MicroPerUnit),
            TemperatureCelsius = Scaled(Path.Combine(c.Hwmon, "temp1_input"), 1 / MilliPerUnit),
            UtilizationRatio = Scaled(Path.Combine(c.Device, "gpu_busy_percent"), 1 / PercentPerRatio),
            MemoryUsedBytes = Scaled(Path.Combine(c.Device, "mem_info_vram_used"), 1),
            MemoryTotalBytes = Scaled(Path.Combine(c.Device, "mem_info_vram_total"), 1),
            Clocks = Clocks(c.Hwmon),
        };
    }

    /// <summary>
    /// amdgpu hwmon (kernel docs, "GPU Power/Thermal Controls and Monitoring"): <c>freq1_input</c> is the gfx/compute
    /// clock (sclk) and <c>freq2_input</c> the memory clock (mclk, dGPU only), already in Hz. sclk is the compute
    /// engine's clock, NVIDIA's SM clock counterpart, so it is reported as <c>sm</c>. The maximum would need
    /// <c>pp_dpm_sclk</c> parsing and is not read: absent, like any clock a file does not give.
    /// </summary>
    private static GpuClocks Clocks(string hwmon) => new(
        GraphicsHertz: null,
        SmHertz: Scaled(Path.Combine(hwmon, "freq1_input"), 1),
        MemoryHertz: Scaled(Path.Combine(hwmon, "freq2_input"), 1),
        GraphicsMaxHertz: null,
        SmMaxHertz: null,
        MemoryMaxHertz: null);

    private static double? Scaled(string path, double scale) =>
        SysfsFile.TryReadUInt64(path, out var v, out _) ? v * scale : null;

    public void Dispose() => _integrator.Dispose();

    [GeneratedRegex(@"^card\d+$")]
    private static partial Regex CardName();

    private sealed record Card(int Index, string CardDir, string Device, string Hwmon, string? PowerPath, string? EnergyPath,
        (string Uuid, string Name, string? PciBusId) Id)
    {
        public PowerIntegrator.Channel? Integrated { get; set; }
    }
}
