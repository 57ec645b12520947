using System.Text.Json;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Simulation;

namespace Telemetry.Agent.Host;

/// <summary>
/// <c>telemetry-agent gpus [--json]</c>: every configured power source, one reading of each device it found,
/// or why the source is unavailable, in plain words. Exit 0 when at least one device answered, else 1.
/// Integrated (counter-less) devices show the energy integrated so far, which starts at 0 with the command.
/// </summary>
internal static class GpusCommand
{
    public static int Run(AgentOptions options, ILoggerFactory loggers, bool json)
    {
        var names = (options.Power.Sources.Count > 0 ? options.Power.Sources : PowerOptions.DefaultSources).Distinct().ToList();
        var workload = new SimulatedWorkload(TimeProvider.System.GetUtcNow());
        var results = new List<(string Name, PowerReading Reading)>();
        foreach (var name in names)
        {
            using var source = PowerSourceFactory.Create(name, options.Power, workload, loggers, TimeProvider.System);
            results.Add((name, source.Read()));
        }

        if (json)
        {
            WriteJson(results);
        }
        else
        {
            WriteText(results);
        }

        return results.Any(r => r.Reading.Gpus.Count > 0) ? 0 : 1;
    }

    private static void WriteText(List<(string Name, PowerReading Reading)> results)
    {
        foreach (var (name, reading) in results)
        {
            Console.WriteLine(reading.Gpus.Count > 0 ? $"{name}: {reading.Gpus.Count} device(s)" : $"{name}: unavailable");
            foreach (var g in reading.Gpus)
            {
                Console.WriteLine($"  {g.Index}  {g.Uuid}  {g.Name}  energy {Show(g.EnergyJoules, "J")} ({Method(g)})  power {Show(g.PowerWatts, "W")}" +
                    $"  util {Show(g.UtilizationRatio * 100, "%")}  mem {Show(g.MemoryUsedBytes / (1 << 20), "MiB")}/{Show(g.MemoryTotalBytes / (1 << 20), "MiB")}" +
                    $"  temp {Show(g.TemperatureCelsius, "°C")}  sm clock {Show(g.Clocks.SmHertz / 1e6, "MHz")}/{Show(g.Clocks.SmMaxHertz / 1e6, "MHz")}{(g.Lost ? "  LOST" : "")}");
            }

            foreach (var e in reading.Errors)
            {
                Console.WriteLine("  ! " + e);
            }
        }
    }

    private static void WriteJson(List<(string Name, PowerReading Reading)> results)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("sources");
            foreach (var (name, reading) in results)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteBoolean("available", reading.Gpus.Count > 0);
                w.WriteNumber("devices", reading.Gpus.Count);
                Strings(w, "errors", reading.Errors);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("gpus");
            foreach (var g in results.SelectMany(r => r.Reading.Gpus))
            {
                WriteGpu(w, g);
            }

            w.WriteEndArray();
            Strings(w, "errors", [.. results.SelectMany(r => r.Reading.Errors)]);
            w.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }

    private static void WriteGpu(Utf8JsonWriter w, GpuReading g)
    {
        w.WriteStartObject();
        w.WriteNumber("index", g.Index);
        w.WriteString("uuid", g.Uuid);
        w.WriteString("name", g.Name);
        w.WriteString("source", g.Source);
        w.WriteString("energy_method", Method(g));
        Number(w, "energy_joules", g.EnergyJoules);
        Number(w, "power_watts", g.PowerWatts);
        Number(w, "power_instant_watts", g.PowerInstantWatts);
        Number(w, "power_limit_watts", g.PowerLimitWatts);
        Number(w, "utilization_ratio", g.UtilizationRatio);
        Number(w, "memory_used_bytes", g.MemoryUsedBytes);
        Number(w, "memory_total_bytes", g.MemoryTotalBytes);
        Number(w, "temperature_celsius", g.TemperatureCelsius);
        Number(w, "graphics_clock_hertz", g.Clocks.GraphicsHertz);
        Number(w, "sm_clock_hertz", g.Clocks.SmHertz);
        Number(w, "memory_clock_hertz", g.Clocks.MemoryHertz);
        Number(w, "graphics_clock_max_hertz", g.Clocks.GraphicsMaxHertz);
        Number(w, "sm_clock_max_hertz", g.Clocks.SmMaxHertz);
        Number(w, "memory_clock_max_hertz", g.Clocks.MemoryMaxHertz);
        if (g.PciBusId is not null)
        {
            w.WriteString("pci_bus_id", g.PciBusId);
        }

        if (g.Architecture is not null)
        {
            w.WriteString("architecture", g.Architecture);
        }

        w.WriteStartArray("process_ids");
        foreach (var pid in g.ProcessIds)
        {
            w.WriteNumberValue(pid);
        }

        w.WriteEndArray();
        if (g.MigInstances.Count > 0)
        {
            w.WriteStartArray("mig_instances");
            foreach (var m in g.MigInstances)
            {
                w.WriteStartObject();
                w.WriteString("uuid", m.Uuid);
                w.WriteString("name", m.Name);
                Number(w, "memory_total_bytes", m.MemoryTotalBytes);
                w.WriteNumber("estimated_energy_share", m.EstimatedEnergyShare);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteBoolean("lost", g.Lost);
        w.WriteEndObject();
    }

    /// <summary>"counter", "integrated", "simulated", or "none" when the device has no energy.</summary>
    private static string Method(GpuReading g) => g.Method switch
    {
        Wire.EnergyMethod.Counter => "counter",
        Wire.EnergyMethod.Integrated => "integrated",
        Wire.EnergyMethod.Simulated => "simulated",
        _ => "none",
    };

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, v);
        }
    }

    private static string Show(double? v, string unit) => v is { } x ? $"{x:0.###} {unit}" : "n/a";
}
