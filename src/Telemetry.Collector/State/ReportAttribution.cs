using Telemetry.Collector.Cost;
using Telemetry.Collector.Windows;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>A span of time on the collector's clock, [from, to) in Unix ms.</summary>
internal readonly record struct TimeSpanMs(long FromMs, long ToMs)
{
    public double Seconds => Math.Max(0, ToMs - FromMs) / 1000.0;
}

/// <summary>An increment for one scope, measured over [FromMs, ToMs).</summary>
internal readonly record struct ScopeIncrement(ScopeKind Kind, string Name, long FromMs, long ToMs, Accumulation Value);

/// <summary>New latency observations of one stream's histogram: per-bucket counts on its bounds (+Inf last).</summary>
internal sealed record HistogramIncrement(string Model, string Metric, double[] Bounds, double[] Counts, double Sum);

/// <summary>Latency observations for one scope, measured over [FromMs, ToMs).</summary>
internal readonly record struct ScopeHistogramIncrement(ScopeKind Kind, string Name, long FromMs, long ToMs, HistogramIncrement Histogram);

/// <summary>
/// Turns one report's counter increments into increments per scope. The rules (docs/kpis.md):
/// a GPU's energy, GPU time and their cost belong to the servers listed on it, split equally when
/// several share it; a GPU whose servers produced no tokens in the interval (or that has none) is
/// idle burn; a server's share goes to its models by their share of its tokens (equally when it
/// produced none); a GPU model scope gets each GPU's own share and an equal part of its server's
/// tokens. Energy is placed over the power sample's span, tokens over their server's scrape span.
/// </summary>
internal sealed class ReportAttribution(CostModel cost, SitePrices? site, TimeSpanMs power)
{
    private readonly List<(string Uuid, string Model, Accumulation Value)> _gpus = [];
    private readonly List<Server> _servers = [];
    private Accumulation _nodeOnly;
    private bool _attributed;
    private Dictionary<string, string>? _modelOfGpu;

    /// <summary>GPU UUID → GPU model name for this report's GPUs, built once.</summary>
    private Dictionary<string, string> ModelOfGpu =>
        _modelOfGpu ??= _gpus.ToDictionary(g => g.Uuid, g => g.Model, StringComparer.Ordinal);

    private sealed record Server(string Name, string Tier, string[] GpuUuids, TimeSpanMs TokenSpan, List<(string Model, Accumulation Tokens)> Streams,
        List<HistogramIncrement> Histograms)
    {
        public Accumulation Tokens { get; } = Sum(Streams);

        public Accumulation EnergyPart { get; set; }

        private static Accumulation Sum(List<(string Model, Accumulation Tokens)> streams)
        {
            var total = default(Accumulation);
            foreach (var (_, tokens) in streams)
            {
                total.Add(tokens);
            }

            return total;
        }
    }

    /// <summary>Prices one GPU's energy increment and time over the power span.</summary>
    public void AddGpu(GpuSample sample, double energyJoules)
    {
        var seconds = sample.Lost ? 0 : power.Seconds;
        var a = new Accumulation { EnergyJoules = energyJoules, GpuSeconds = seconds };
        if (site is not null)
        {
            a.FacilityEnergyJoules = energyJoules * site.Pue;
            a.EnergyCostUsd = energyJoules * site.Pue * site.PricePerKwhUsd / SitePrices.JoulesPerKwh;
        }
        else
        {
            a.UnpricedEnergyJoules = energyJoules;
        }

        if (cost.GpuHourlyUsd(sample.Name) is { } hourly)
        {
            a.CapacityCostUsd = seconds * hourly / 3600;
        }
        else
        {
            a.UnpricedGpuSeconds = seconds;
        }

        if (sample.HasUtilizationRatio && double.IsFinite(sample.UtilizationRatio) && seconds > 0)
        {
            a.UtilizationSeconds = Math.Clamp(sample.UtilizationRatio, 0, 1) * seconds;
            a.UtilizationSampledSeconds = seconds;
        }

        _gpus.Add((sample.Uuid, sample.Name, a));
    }

    public void AddServer(ServerState server, string tier, TimeSpanMs tokenSpan, List<(string Model, Accumulation Tokens)> streams, List<HistogramIncrement> histograms) =>
        _servers.Add(new Server(server.Name, tier, server.GpuUuids, tokenSpan, streams, histograms));

    /// <summary>
    /// Latency observations per scope: every scope a server's tokens count in also gets its streams'
    /// histograms (a GPU model scope once per distinct model of the server's GPUs: observations are
    /// events, they cannot be split).
    /// </summary>
    public List<ScopeHistogramIncrement> Histograms(string siteName, string pool)
    {
        // Sized up front, no closures or LINQ: this runs for every report (docs/BENCHMARKS.md, load).
        var count = 0;
        foreach (var s in _servers)
        {
            count += s.Histograms.Count * (7 + s.GpuUuids.Length);
        }

        var result = new List<ScopeHistogramIncrement>(count);
        var gpuModels = new List<string>();
        foreach (var s in _servers)
        {
            DistinctGpuModels(s, gpuModels);
            var (from, to) = s.TokenSpan;
            foreach (var h in s.Histograms)
            {
                result.Add(new(ScopeKind.Server, s.Name, from, to, h));
                result.Add(new(ScopeKind.Node, "", from, to, h));
                result.Add(new(ScopeKind.Fleet, "", from, to, h));
                result.Add(new(ScopeKind.Site, siteName, from, to, h));
                result.Add(new(ScopeKind.Pool, pool, from, to, h));
                result.Add(new(ScopeKind.Model, h.Model, from, to, h));
                if (s.Tier.Length > 0)
                {
                    result.Add(new(ScopeKind.Tier, s.Tier, from, to, h));
                }

                foreach (var gpuModel in gpuModels)
                {
                    result.Add(new(ScopeKind.GpuModel, gpuModel, from, to, h));
                }
            }
        }

        return result;
    }

    /// <summary>The distinct models of a server's GPUs in this report, in GPU order.</summary>
    private void DistinctGpuModels(Server s, List<string> models)
    {
        models.Clear();
        var modelOfGpu = ModelOfGpu;
        foreach (var uuid in s.GpuUuids)
        {
            if (modelOfGpu.TryGetValue(uuid, out var model) && !models.Contains(model, StringComparer.Ordinal))
            {
                models.Add(model);
            }
        }
    }

    /// <summary>The node's and each server's increments.</summary>
    public List<ScopeIncrement> Resolve()
    {
        AttributeGpus();
        var result = new List<ScopeIncrement>(1 + (2 * _servers.Count))
        {
            new(ScopeKind.Node, "", power.FromMs, power.ToMs, NodeEnergyPart()),
        };
        foreach (var s in _servers)
        {
            result.Add(new(ScopeKind.Server, s.Name, power.FromMs, power.ToMs, s.EnergyPart));
            if (!s.Tokens.IsEmpty)
            {
                result.Add(new(ScopeKind.Node, "", s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens));
                result.Add(new(ScopeKind.Server, s.Name, s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens));
            }
        }

        return result;
    }

    /// <summary>The fleet-wide scopes' increments (call after <see cref="Resolve"/>).</summary>
    public List<ScopeIncrement> Aggregates(string siteName, string pool)
    {
        // Sized up front (list growth copies these large structs), no LINQ: this runs for every report.
        var count = 3 + _gpus.Count;
        foreach (var s in _servers)
        {
            count += 3 + s.GpuUuids.Length + 2 + (2 * s.Streams.Count);
        }

        var result = new List<ScopeIncrement>(count);
        var nodeEnergy = NodeEnergyPart();
        AddFleetWide(result, ScopeKind.Fleet, "", nodeEnergy);
        AddFleetWide(result, ScopeKind.Site, siteName, nodeEnergy);
        AddFleetWide(result, ScopeKind.Pool, pool, nodeEnergy);

        var modelOfGpu = ModelOfGpu;
        foreach (var (_, model, value) in _gpus)
        {
            result.Add(new(ScopeKind.GpuModel, model, power.FromMs, power.ToMs, value));
        }

        foreach (var s in _servers)
        {
            var known = 0;
            foreach (var uuid in s.GpuUuids)
            {
                known += modelOfGpu.ContainsKey(uuid) ? 1 : 0;
            }

            foreach (var uuid in s.GpuUuids)
            {
                if (modelOfGpu.TryGetValue(uuid, out var gpuModel))
                {
                    result.Add(new(ScopeKind.GpuModel, gpuModel, s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens.Scaled(1.0 / known)));
                }
            }

            if (s.Tier.Length > 0)
            {
                result.Add(new(ScopeKind.Tier, s.Tier, power.FromMs, power.ToMs, s.EnergyPart));
                result.Add(new(ScopeKind.Tier, s.Tier, s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens));
            }

            var total = s.Tokens.TotalTokens;
            foreach (var (model, tokens) in s.Streams)
            {
                var share = total > 0 ? tokens.TotalTokens / total : 1.0 / s.Streams.Count;
                result.Add(new(ScopeKind.Model, model, power.FromMs, power.ToMs, s.EnergyPart.Scaled(share)));
                result.Add(new(ScopeKind.Model, model, s.TokenSpan.FromMs, s.TokenSpan.ToMs, tokens));
            }
        }

        return result;
    }

    private void AddFleetWide(List<ScopeIncrement> result, ScopeKind kind, string name, Accumulation nodeEnergy)
    {
        result.Add(new(kind, name, power.FromMs, power.ToMs, nodeEnergy));
        foreach (var s in _servers)
        {
            result.Add(new(kind, name, s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens));
        }
    }

    private Accumulation NodeEnergyPart()
    {
        var total = _nodeOnly;
        foreach (var (_, _, value) in _gpus)
        {
            total.Add(value);
        }

        return total;
    }

    /// <summary>Marks idle GPUs and gives each server its GPUs' shares (equal split among sharers).</summary>
    private void AttributeGpus()
    {
        if (_attributed)
        {
            return;
        }

        _attributed = true;
        SpreadNodeFixedCost();
        var sharers = new Dictionary<string, List<Server>>(StringComparer.Ordinal);
        foreach (var s in _servers)
        {
            foreach (var uuid in s.GpuUuids)
            {
                if (!sharers.TryGetValue(uuid, out var list))
                {
                    sharers[uuid] = list = [];
                }

                list.Add(s);
            }
        }

        for (var i = 0; i < _gpus.Count; i++)
        {
            var (uuid, model, value) = _gpus[i];
            sharers.TryGetValue(uuid, out var servers);
            if (servers is null || !servers.Exists(static s => s.Tokens.TotalTokens > 0))
            {
                value.IdleEnergyJoules = value.EnergyJoules;
                _gpus[i] = (uuid, model, value);
            }

            if (servers is null)
            {
                continue;
            }

            var part = value.Scaled(1.0 / servers.Count);
            foreach (var s in servers)
            {
                var energy = s.EnergyPart;
                energy.Add(part);
                s.EnergyPart = energy;
            }
        }
    }

    /// <summary>A node's fixed hourly cost is spread over its GPUs in service, so it follows them to servers and GPU models.</summary>
    private void SpreadNodeFixedCost()
    {
        if (site is not { NodeHourlyUsd: > 0 } || power.Seconds <= 0)
        {
            return;
        }

        var nodeCost = site.NodeHourlyUsd * power.Seconds / 3600;
        var live = 0;
        foreach (var g in _gpus)
        {
            live += g.Value.GpuSeconds > 0 ? 1 : 0;
        }

        if (live == 0)
        {
            _nodeOnly.CapacityCostUsd += nodeCost;
            return;
        }

        for (var i = 0; i < _gpus.Count; i++)
        {
            var (uuid, model, value) = _gpus[i];
            if (value.GpuSeconds > 0)
            {
                value.CapacityCostUsd += nodeCost / live;
                _gpus[i] = (uuid, model, value);
            }
        }
    }
}
