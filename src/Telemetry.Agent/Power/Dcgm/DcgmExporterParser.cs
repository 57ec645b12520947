using System.Globalization;
using Telemetry.Scraping.Prometheus;
using Telemetry.Wire;

namespace Telemetry.Agent.Power.Dcgm;

/// <summary>
/// Turns one dcgm-exporter scrape into GPU readings, keyed by the <c>UUID</c> label (<c>uuid</c> with
/// --use-old-namespace). Units converted here: energy mJ → J, memory MiB → bytes, utilization % → ratio, MHz → Hz.
/// DCGM "blank" sentinels (≥ 0x7ffffffffffffff0: not found / not supported / no permission) are dropped.
/// The host label is <c>Hostname</c> up to 4.5.3-4.8.2 and <c>hostname</c> after: matched case-insensitively.
/// Non-goals: pre-2.0 <c>dcgm_*</c> metric names, per-pod attribution.
/// </summary>
internal static class DcgmExporterParser
{
    private const double MilliPerUnit = 1000.0;      // mJ per J
    private const double BytesPerMebibyte = 1024.0 * 1024.0;
    private const double PercentPerRatio = 100.0;

    /// <summary>(double)0x7ffffffffffffff0: DCGM_FP64/INT64 blank values start here (dcgm_structs.h); as a double it is 2^63.</summary>
    internal const double BlankSentinel = 9223372036854775792.0;

    private static readonly string[] Metrics =
    [
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_POWER_USAGE_INSTANT",
        "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_RESERVED",
        "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK",
        "DCGM_FI_DEV_MAX_SM_CLOCK", "DCGM_FI_DEV_MAX_MEM_CLOCK", // fields 110/111: not in the default CSV, read when added
    ];

    public static PowerReading Parse(ParsedPayload payload, string hostnameFilter)
    {
        var gpus = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        var identity = new Dictionary<string, (uint Index, string Name, string? Pci)>(StringComparer.Ordinal);
        var order = new List<string>();
        var blanks = 0;
        foreach (var metric in Metrics)
        {
            foreach (var sample in payload.SamplesNamed(metric))
            {
                var uuid = Label(sample, "UUID");
                if (uuid is null || (hostnameFilter.Length > 0 && Label(sample, "hostname") != hostnameFilter))
                {
                    continue;
                }

                if (!double.IsFinite(sample.Value) || sample.Value >= BlankSentinel || sample.Value < 0)
                {
                    blanks++;
                    continue;
                }

                if (!gpus.TryGetValue(uuid, out var values))
                {
                    gpus[uuid] = values = new Dictionary<string, double>(StringComparer.Ordinal);
                    order.Add(uuid);
                    var index = uint.TryParse(Label(sample, "gpu"), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : (uint)(order.Count - 1);
                    identity[uuid] = (index, Label(sample, "modelName") ?? "", Label(sample, "pci_bus_id"));
                }

                values.TryAdd(metric, sample.Value); // MIG series repeat the physical GPU's value: first wins
            }
        }

        var errors = new List<string>();
        if (order.Count == 0)
        {
            errors.Add(hostnameFilter.Length > 0
                ? $"dcgm-exporter: no GPU series with Hostname/hostname '{hostnameFilter}'"
                : "dcgm-exporter: the scrape has no DCGM_FI_DEV_* series with a UUID label");
        }

        var readings = order.Select(uuid => Reading(uuid, identity[uuid], gpus[uuid], errors)).ToList();
        return new PowerReading(readings, errors);
    }

    private static GpuReading Reading(string uuid, (uint Index, string Name, string? Pci) id, Dictionary<string, double> v, List<string> errors)
    {
        double? Get(string metric, double scale = 1) => v.TryGetValue(metric, out var x) ? x * scale : null;

        var energy = Get("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", 1 / MilliPerUnit);
        if (energy is null)
        {
            errors.Add($"dcgm-exporter: GPU {id.Index} ({uuid}) has no DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (add field 156 to the exporter's counters CSV); its energy is not counted");
        }

        double? total = null;
        if (Get("DCGM_FI_DEV_FB_USED") is { } used && Get("DCGM_FI_DEV_FB_FREE") is { } free)
        {
            total = (used + free + (Get("DCGM_FI_DEV_FB_RESERVED") ?? 0)) * BytesPerMebibyte;
        }

        return new GpuReading
        {
            Index = id.Index,
            Uuid = uuid,
            Name = id.Name,
            Source = "dcgm-exporter",
            PciBusId = id.Pci,
            Method = energy is null ? EnergyMethod.Unspecified : EnergyMethod.Counter,
            EnergyJoules = energy,
            PowerWatts = Get("DCGM_FI_DEV_POWER_USAGE"),
            PowerInstantWatts = Get("DCGM_FI_DEV_POWER_USAGE_INSTANT"),
            UtilizationRatio = Get("DCGM_FI_DEV_GPU_UTIL", 1 / PercentPerRatio),
            MemoryUsedBytes = Get("DCGM_FI_DEV_FB_USED", BytesPerMebibyte),
            MemoryTotalBytes = total,
            TemperatureCelsius = Get("DCGM_FI_DEV_GPU_TEMP"),
            // DCGM has no graphics-clock field in the exporter's CSVs: graphics stays unknown, not copied from SM.
            Clocks = new GpuClocks(null, Get("DCGM_FI_DEV_SM_CLOCK", GpuClocks.HertzPerMegahertz), Get("DCGM_FI_DEV_MEM_CLOCK", GpuClocks.HertzPerMegahertz),
                null, Get("DCGM_FI_DEV_MAX_SM_CLOCK", GpuClocks.HertzPerMegahertz), Get("DCGM_FI_DEV_MAX_MEM_CLOCK", GpuClocks.HertzPerMegahertz)),
        };
    }

    /// <summary>Label names differ in case across exporter versions (UUID/uuid, Hostname/hostname).</summary>
    private static string? Label(MetricSample sample, string name)
    {
        foreach (var label in sample.Labels)
        {
            if (string.Equals(label.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return label.Value;
            }
        }

        return null;
    }
}
