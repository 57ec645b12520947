using System.Reflection;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Discovery;
using Telemetry.Agent.Power;
using Telemetry.Agent.Servers;
using Telemetry.Scraping.Engines;
using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Builds one <see cref="NodeReport"/> per interval from what the sources read: sequence numbers,
/// cumulative values with deltas and epochs, and server energy as the sum of the energy increases of
/// the server's GPUs (<see cref="GpuAttribution"/>; a GPU shared by several servers is split equally).
/// A stream whose engine reports a new start time (<see cref="StreamReading.StartedAtSeconds"/>) starts
/// a new epoch for all its counters, even if they did not go down. Values that are not finite, or negative counters, never reach the wire: they
/// are dropped and named in <c>source_errors</c>. Not thread-safe: one sampling loop owns it.
/// </summary>
public sealed class ReportBuilder
{
    private readonly AgentOptions _options;
    private readonly CounterTracker _counters = new();
    private readonly HistogramTracker _histograms = new();
    private readonly Dictionary<string, double> _serverEnergyJoules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _serverReadMs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _streamStarts = new(StringComparer.Ordinal);
    private readonly GpuAttribution _attribution;
    private readonly ProxyStreamSamples _proxyStreams;
    private readonly long _startMs;
    private ulong _sequence;
    private long _previousSampleMs;

    public ReportBuilder(AgentOptions options, long startMs, ILogger? logger = null)
    {
        _options = options;
        _startMs = startMs;
        _proxyStreams = new ProxyStreamSamples(startMs);
        var discovery = options.Discovery;
        _attribution = new GpuAttribution(
            discovery.ProcRoot.Length > 0 ? new ServerProcessFinder(discovery.ProcRoot) : null,
            TimeSpan.FromSeconds(discovery.RefreshSeconds),
            logger);
    }

    /// <summary>Random per agent process: (instance, sequence) identifies a report for de-duplication.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public static string AgentVersion { get; } =
        typeof(ReportBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public NodeReport Build(long sampleMs, PowerReading power, IReadOnlyList<(ServerOptions Options, ServerReading Reading)> servers)
    {
        var report = new NodeReport
        {
            AgentInstanceId = InstanceId,
            Sequence = ++_sequence,
            SampleTimeUnixMs = sampleMs,
            PreviousSampleTimeUnixMs = _previousSampleMs,
            Node = _options.ResolvedNode,
            Site = _options.Site,
            Pool = _options.Pool,
            IntervalSeconds = _options.IntervalSeconds,
            AgentVersion = AgentVersion,
        };
        report.SourceErrors.AddRange(power.Errors);
        _previousSampleMs = sampleMs;

        var energyDeltas = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var gpu in power.Gpus)
        {
            var sample = GpuSampleOf(gpu, sampleMs, report.SourceErrors);
            if (sample.EnergyJoules is not null)
            {
                energyDeltas[gpu.Uuid] = sample.EnergyJoules.Delta;
            }

            report.Gpus.Add(sample);
        }

        var attribution = _attribution.Resolve([.. servers.Select(s => s.Options)], power.Gpus, sampleMs);
        foreach (var (options, reading) in servers)
        {
            report.Servers.Add(ServerSampleOf(options, reading, attribution, energyDeltas, sampleMs, report.SourceErrors));
        }

        return report;
    }

    private GpuSample GpuSampleOf(GpuReading gpu, long sampleMs, RepeatedField<string> errors)
    {
        var sample = new GpuSample
        {
            Index = gpu.Index,
            Uuid = gpu.Uuid,
            Name = gpu.Name,
            Source = gpu.Source,
            EnergyMethod = gpu.Method,
            Lost = gpu.Lost,
        };
        if (gpu.EnergyJoules is { } energy && !gpu.Lost)
        {
            if (double.IsFinite(energy) && energy >= 0)
            {
                sample.EnergyJoules = _counters.Observe("gpu\u0000" + gpu.Uuid, energy, sampleMs);
            }
            else
            {
                errors.Add($"{gpu.Source}: GPU {gpu.Index} energy reading {energy} is not a valid counter; dropped");
            }
        }

        if (Finite(gpu.PowerWatts) is { } p) { sample.PowerWatts = p; }
        if (Finite(gpu.PowerLimitWatts) is { } l) { sample.PowerLimitWatts = l; }
        if (Finite(gpu.UtilizationRatio) is { } u) { sample.UtilizationRatio = u; }
        if (Finite(gpu.MemoryUsedBytes) is { } mu) { sample.MemoryUsedBytes = mu; }
        if (Finite(gpu.MemoryTotalBytes) is { } mt) { sample.MemoryTotalBytes = mt; }
        if (Finite(gpu.TemperatureCelsius) is { } t) { sample.TemperatureCelsius = t; }
        var c = gpu.Clocks;
        if (Finite(c.GraphicsHertz) is { } gh) { sample.GraphicsClockHertz = gh; }
        if (Finite(c.SmHertz) is { } sh) { sample.SmClockHertz = sh; }
        if (Finite(c.MemoryHertz) is { } mh) { sample.MemoryClockHertz = mh; }
        if (Finite(c.GraphicsMaxHertz) is { } gm) { sample.GraphicsClockMaxHertz = gm; }
        if (Finite(c.SmMaxHertz) is { } sm) { sample.SmClockMaxHertz = sm; }
        if (Finite(c.MemoryMaxHertz) is { } mm) { sample.MemoryClockMaxHertz = mm; }
        return sample;
    }

    private ServerSample ServerSampleOf(ServerOptions options, ServerReading reading, IReadOnlyDictionary<string, IReadOnlyList<string>> attribution,
        Dictionary<string, double> energyDeltas, long sampleMs, RepeatedField<string> errors)
    {
        var sample = new ServerSample
        {
            Name = options.Name,
            Engine = reading.Reading?.Engine ?? (options.Engine == "auto" ? "" : options.Engine),
            Role = options.Role,
            Tier = options.Tier,
            Up = reading.Reading is not null,
            Error = reading.Error ?? "",
        };
        if (reading.Error is not null)
        {
            errors.Add($"server {options.Name}: {reading.Error}");
        }

        if (reading.Reading is not null && reading.ReadMs > 0)
        {
            sample.SampleTimeUnixMs = reading.ReadMs;
            sample.PreviousSampleTimeUnixMs = _serverReadMs.GetValueOrDefault(options.Name);
            _serverReadMs[options.Name] = reading.ReadMs;
        }

        var energy = 0.0;
        foreach (var uuid in attribution[options.Name])
        {
            sample.GpuUuids.Add(uuid);
            energy += energyDeltas.GetValueOrDefault(uuid) * GpuAttribution.ShareOf(uuid, attribution);
        }

        var total = _serverEnergyJoules.GetValueOrDefault(options.Name) + energy;
        _serverEnergyJoules[options.Name] = total;
        sample.EnergyJoules = new Counter { Total = total, Delta = energy, Epoch = _startMs };

        foreach (var stream in reading.Reading?.Streams ?? [])
        {
            sample.Streams.Add(StreamSampleOf(options.Name, stream, sampleMs, errors));
        }

        _proxyStreams.AddTo(sample, reading.ProxyStreams);

        return sample;
    }

    private StreamSample StreamSampleOf(string server, StreamReading s, long sampleMs, RepeatedField<string> errors)
    {
        var key = server + "\u0000" + s.Model + "\u0000" + string.Join('\u0000', s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));
        var sample = new StreamSample { Model = s.Model };
        foreach (var (name, value) in s.Labels)
        {
            sample.Labels.Add(name, value);
        }

        sample.Derived.AddRange(s.Derived);
        var restarted = Restarted(key, s.StartedAtSeconds);
        sample.InputTokens = CounterOf(key + "\u0000in", s.InputTokens, sampleMs, errors, server, restarted);
        sample.OutputTokens = CounterOf(key + "\u0000out", s.OutputTokens, sampleMs, errors, server, restarted);
        foreach (var (outcome, count) in s.Requests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (CounterOf(key + "\u0000req\u0000" + outcome, count, sampleMs, errors, server, restarted) is { } c)
            {
                sample.Requests.Add(new OutcomeCounter { Outcome = outcome, Count = c });
            }
        }

        foreach (var (metric, h) in s.Histograms.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            if (IsValid(h))
            {
                sample.Histograms.Add(_histograms.Observe(key + "\u0000h\u0000" + metric, metric, h, sampleMs, restarted));
            }
            else
            {
                errors.Add($"server {server}: histogram {metric} of {s.Model} is inconsistent (bounds, counts or sum); dropped");
            }
        }

        if (Finite(s.Running) is { } r) { sample.RunningRequests = r; }
        if (Finite(s.Waiting) is { } w) { sample.WaitingRequests = w; }
        if (Finite(s.KvCacheUsageRatio) is { } kv) { sample.KvCacheUsageRatio = kv; }
        return sample;
    }

    /// <summary>True when the stream's engine reports a start time different from the one it reported before.</summary>
    private bool Restarted(string streamKey, double? startedAtSeconds)
    {
        if (startedAtSeconds is not { } started || !double.IsFinite(started))
        {
            return false;
        }

        var changed = _streamStarts.TryGetValue(streamKey, out var previous) && previous != started;
        _streamStarts[streamKey] = started;
        return changed;
    }

    private Counter? CounterOf(string key, double? value, long sampleMs, RepeatedField<string> errors, string server, bool restarted)
    {
        if (value is not { } v)
        {
            return null;
        }

        if (!double.IsFinite(v) || v < 0)
        {
            errors.Add($"server {server}: counter value {v} is not a valid counter; dropped");
            return null;
        }

        return _counters.Observe(key, v, sampleMs, restarted);
    }

    private static bool IsValid(HistogramReading h)
    {
        if (h.UpperBounds.Length != h.CumulativeCounts.Length || !double.IsFinite(h.Count) || h.Count < 0 || !double.IsFinite(h.Sum))
        {
            return false;
        }

        for (var i = 0; i < h.UpperBounds.Length; i++)
        {
            var c = h.CumulativeCounts[i];
            if (!double.IsFinite(h.UpperBounds[i]) || (i > 0 && h.UpperBounds[i] <= h.UpperBounds[i - 1])
                || !double.IsFinite(c) || c < 0 || c > h.Count || (i > 0 && c < h.CumulativeCounts[i - 1]))
            {
                return false;
            }
        }

        return true;
    }

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
