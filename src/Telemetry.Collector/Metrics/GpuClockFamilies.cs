using Telemetry.Collector.State;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// <c>inference_gpu_clock_hertz</c> and <c>inference_gpu_clock_max_hertz</c>: each GPU's current clocks and
/// their device maxima, one series per domain (<c>clock="graphics|sm|memory"</c>) on the GPU label set of
/// <c>inference_gpu_power_watts</c>, so "clock vs max" is a plain division in PromQL. A domain the agent
/// did not send is absent, never 0 (an idle GPU at 0 Hz and an unknown clock must not look alike).
/// </summary>
internal static class GpuClockFamilies
{
    private static readonly LabelSet Graphics = LabelSet.Of(new Label("clock", "graphics"));
    private static readonly LabelSet Sm = LabelSet.Of(new Label("clock", "sm"));
    private static readonly LabelSet Memory = LabelSet.Of(new Label("clock", "memory"));

    public static void Render(ExpositionWriter w, FleetSnapshot s)
    {
        w.BeginFamily("inference_gpu_clock_hertz", MetricType.Gauge, "GPU clock frequency by domain, as the device reports it (NVML/DCGM MHz converted to Hz).");
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                var c = g.Gauges;
                Write(w, g, Graphics, c.GraphicsClockHertz);
                Write(w, g, Sm, c.SmClockHertz);
                Write(w, g, Memory, c.MemoryClockHertz);
            }
        }

        w.BeginFamily("inference_gpu_clock_max_hertz", MetricType.Gauge, "Maximum clock frequency of the GPU by domain (nvmlDeviceGetMaxClockInfo), the limit the current clock is judged against.");
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                var c = g.Gauges;
                Write(w, g, Graphics, c.GraphicsClockMaxHertz);
                Write(w, g, Sm, c.SmClockMaxHertz);
                Write(w, g, Memory, c.MemoryClockMaxHertz);
            }
        }
    }

    private static void Write(ExpositionWriter w, GpuView g, LabelSet clock, double? hertz)
    {
        if (hertz is { } v)
        {
            w.WriteSample(g.Labels, clock, LabelSet.Empty, v);
        }
    }
}
