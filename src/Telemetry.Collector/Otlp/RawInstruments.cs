using System.Diagnostics.Metrics;
using Telemetry.Collector.State;
using static Telemetry.Collector.Otlp.OtlpTags;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// The raw families of DESIGN §5 as OTLP instruments: cumulative counters (energy, tokens, requests)
/// as observable counters passing the agents' cumulative values through, GPU and node state as
/// observable gauges. The engines' latency histograms are not pushed: the .NET metrics API has no
/// observable histogram, and their quantiles travel as <c>inference_kpi_latency_seconds</c>.
/// </summary>
internal static class RawInstruments
{
    public static void Register(Meter meter, Func<FleetSnapshot> snapshot)
    {
        meter.CreateObservableCounter("inference_gpu_energy_joules", () => Gpus(snapshot(), g => g.EnergyJoulesTotal), "J", "GPU energy from the device counter (or the agent's integral), cumulative.");
        meter.CreateObservableCounter("inference_server_energy_joules", () => Servers(snapshot()), "J", "Energy of the GPUs the server runs on, cumulative.");
        meter.CreateObservableCounter("inference_tokens", () => Tokens(snapshot()), "{token}", "Tokens processed, as the engine counts them, cumulative.");
        meter.CreateObservableCounter("inference_requests", () => Requests(snapshot()), "{request}", "Finished requests by outcome, cumulative.");

        meter.CreateObservableGauge("inference_gpu_power_watts", () => Gpus(snapshot(), g => g.Gauges.PowerWatts), "W", "GPU power draw as the device reports it.");
        meter.CreateObservableGauge("inference_gpu_power_limit_watts", () => Gpus(snapshot(), g => g.Gauges.PowerLimitWatts), "W", "Enforced GPU power limit.");
        meter.CreateObservableGauge("inference_gpu_utilization_ratio", () => Gpus(snapshot(), g => g.Gauges.UtilizationRatio), "1", "GPU utilization, 0 to 1.");
        meter.CreateObservableGauge("inference_gpu_memory_used_bytes", () => Gpus(snapshot(), g => g.Gauges.MemoryUsedBytes), "By", "GPU memory in use.");
        meter.CreateObservableGauge("inference_gpu_temperature_celsius", () => Gpus(snapshot(), g => g.Gauges.TemperatureCelsius), "Cel", "GPU core temperature.");
        meter.CreateObservableGauge("inference_gpu_clock_hertz", () => Clocks(snapshot(), max: false), "Hz", "GPU clock frequency by domain.");
        meter.CreateObservableGauge("inference_gpu_clock_max_hertz", () => Clocks(snapshot(), max: true), "Hz", "Maximum GPU clock frequency by domain.");

        meter.CreateObservableGauge("inference_node_up", () => Nodes(snapshot(), n => n.Up ? 1 : 0), "1", "1 if the node reported recently, else 0.");
        meter.CreateObservableGauge("inference_node_last_report_timestamp_seconds", () => Nodes(snapshot(), n => n.LastReportSeconds), "s", "When the collector last received a report from the node (Unix seconds).");
    }

    private static List<Measurement<double>> Nodes(FleetSnapshot s, Func<NodeView, double> value)
    {
        var list = new List<Measurement<double>>(s.Nodes.Count);
        foreach (var n in s.Nodes)
        {
            list.Add(new(value(n), Node(n)));
        }

        return list;
    }

    private static List<Measurement<double>> Gpus(FleetSnapshot s, Func<GpuView, double?> value)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                if (value(g) is { } v)
                {
                    list.Add(new(v, Gpu(n, g)));
                }
            }
        }

        return list;
    }

    /// <summary>One point per GPU and clock domain the agent sent, with <c>clock</c> after the GPU labels, as on /metrics.</summary>
    private static List<Measurement<double>> Clocks(FleetSnapshot s, bool max)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                var c = g.Gauges;
                Add(list, n, g, "graphics", max ? c.GraphicsClockMaxHertz : c.GraphicsClockHertz);
                Add(list, n, g, "sm", max ? c.SmClockMaxHertz : c.SmClockHertz);
                Add(list, n, g, "memory", max ? c.MemoryClockMaxHertz : c.MemoryClockHertz);
            }
        }

        return list;

        static void Add(List<Measurement<double>> list, NodeView n, GpuView g, string clock, double? hertz)
        {
            if (hertz is { } v)
            {
                list.Add(new(v, [.. Gpu(n, g), Tag("clock", clock)]));
            }
        }
    }

    private static List<Measurement<double>> Servers(FleetSnapshot s)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                list.Add(new(sv.EnergyJoulesTotal, Server(n, sv)));
            }
        }

        return list;
    }

    private static List<Measurement<double>> Tokens(FleetSnapshot s)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                foreach (var st in sv.Streams)
                {
                    if (st.InputTokensTotal is { } input)
                    {
                        list.Add(new(input, Stream(n, sv, st, Tag("token_type", "input"))));
                    }

                    if (st.OutputTokensTotal is { } output)
                    {
                        list.Add(new(output, Stream(n, sv, st, Tag("token_type", "output"))));
                    }
                }
            }
        }

        return list;
    }

    private static List<Measurement<double>> Requests(FleetSnapshot s)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                foreach (var st in sv.Streams)
                {
                    foreach (var (outcome, total) in st.Requests)
                    {
                        list.Add(new(total, Stream(n, sv, st, Tag("outcome", outcome))));
                    }
                }
            }
        }

        return list;
    }
}
