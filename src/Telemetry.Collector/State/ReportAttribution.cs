using System.Runtime.InteropServices;
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

/// <summary>
/// New latency observations of one stream's histogram: per-bucket counts on its bounds (+Inf last). Pooled by
/// <see cref="ReportAttribution"/>: valid until the thread's next report.
/// </summary>
internal sealed class HistogramIncrement
{
    private double[] _counts = [];

    public string Model { get; private set; } = "";

    public string Metric { get; private set; } = "";

    /// <summary>The finite bounds (never written to).</summary>
    public double[] Bounds { get; private set; } = [];

    public ReadOnlySpan<double> Counts => _counts.AsSpan(0, Bounds.Length + 1);

    public double Sum { get; set; }

    /// <summary>Takes a new identity; returns the counts to fill (one per bound, then +Inf).</summary>
    public Span<double> Start(string model, string metric, double[] bounds)
    {
        Model = model;
        Metric = metric;
        Bounds = bounds;
        if (_counts.Length <= bounds.Length)
        {
            _counts = new double[bounds.Length + 1];
        }

        return _counts.AsSpan(0, bounds.Length + 1);
    }
}

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
/// <remarks>
/// One per thread, reused report after report (<see cref="Start"/>): its lists, dictionaries and histogram
/// increments were most of what applying a report allocated (docs/BENCHMARKS.md, issue 8). What it returns
/// is valid until the thread starts its next report.
/// </remarks>
internal sealed class ReportAttribution
{
    [ThreadStatic]
    private static ReportAttribution? _perThread;

    /// <summary>Beyond this many entries in a list a hostile report made, the thread's attribution is dropped rather than kept.</summary>
    private const int RetainedEntries = 4096;

    private readonly List<(string Uuid, string Model, Accumulation Value)> _gpus = [];
    private readonly List<Server> _servers = [];
    private readonly List<Server> _spareServers = [];
    private readonly Dictionary<string, string> _modelOfGpu = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Server>> _sharers = new(StringComparer.Ordinal);
    private readonly Stack<List<Server>> _spareSharerLists = new();
    private readonly List<string> _gpuModels = [];
    private readonly List<ScopeIncrement> _resolved = [];
    private readonly List<ScopeIncrement> _aggregates = [];
    private readonly List<ScopeHistogramIncrement> _histograms = [];
    private CostModel _cost = null!;
    private SitePrices? _site;
    private TimeSpanMs _power;
    private Accumulation _nodeOnly;
    private bool _attributed;
    private bool _modelOfGpuBuilt;

    /// <summary>The thread's attribution, emptied, for a report whose power sample spans <paramref name="power"/>.</summary>
    public static ReportAttribution Start(CostModel cost, SitePrices? site, TimeSpanMs power)
    {
        var a = _perThread;
        if (a is null || a.Oversized)
        {
            _perThread = a = new ReportAttribution();
        }

        a.Reset(cost, site, power);
        return a;
    }

    private bool Oversized => _aggregates.Capacity > RetainedEntries || _histograms.Capacity > RetainedEntries || _spareServers.Count > RetainedEntries;

    private void Reset(CostModel cost, SitePrices? site, TimeSpanMs power)
    {
        _cost = cost;
        _site = site;
        _power = power;
        _nodeOnly = default;
        _attributed = false;
        _modelOfGpuBuilt = false;
        _gpus.Clear();
        _spareServers.AddRange(_servers);
        _servers.Clear();
        _modelOfGpu.Clear();
        foreach (var list in _sharers.Values)
        {
            list.Clear();
            _spareSharerLists.Push(list);
        }

        _sharers.Clear();
        _resolved.Clear();
        _aggregates.Clear();
        _histograms.Clear();
    }

    /// <summary>GPU UUID → GPU model name for this report's GPUs, built once.</summary>
    private Dictionary<string, string> ModelOfGpu
    {
        get
        {
            if (!_modelOfGpuBuilt)
            {
                _modelOfGpuBuilt = true;
                foreach (var (uuid, model, _) in _gpus)
                {
                    _modelOfGpu.Add(uuid, model);
                }
            }

            return _modelOfGpu;
        }
    }

    /// <summary>One server of the report: its streams' token increments and latency observations, filled by the caller.</summary>
    public sealed class Server
    {
        private readonly List<HistogramIncrement> _histograms = [];
        private int _histogramCount;

        public string Name { get; private set; } = "";

        public string Tier { get; private set; } = "";

        public string[] GpuUuids { get; private set; } = [];

        public TimeSpanMs TokenSpan { get; private set; }

        public List<(string Model, Accumulation Tokens)> Streams { get; } = [];

        /// <summary>The sum of the streams' tokens.</summary>
        public Accumulation Tokens;

        public Accumulation EnergyPart;

        public ReadOnlySpan<HistogramIncrement> Histograms => CollectionsMarshal.AsSpan(_histograms)[.._histogramCount];

        internal void Reset(ServerState server, string tier, TimeSpanMs tokenSpan)
        {
            Name = server.Name;
            Tier = tier;
            GpuUuids = server.GpuUuids;
            TokenSpan = tokenSpan;
            Streams.Clear();
            Tokens = default;
            EnergyPart = default;
            _histogramCount = 0;
        }

        public void AddTokens(string model, Accumulation tokens)
        {
            Streams.Add((model, tokens));
            Tokens.Add(tokens);
        }

        /// <summary>
        /// Adds the observations <paramref name="now"/> holds since <paramref name="last"/> (<see cref="HistogramContinuity"/>)
        /// on <paramref name="bounds"/>, if it holds any.
        /// </summary>
        public void AddHistogram(string model, HistogramSample now, HistogramSample? last, bool contiguous, double[] bounds)
        {
            if (_histogramCount == _histograms.Count)
            {
                _histograms.Add(new HistogramIncrement());
            }

            var increment = _histograms[_histogramCount];
            if (HistogramContinuity.Increment(now, last, contiguous, increment.Start(model, now.Metric, bounds), out var sum))
            {
                increment.Sum = sum;
                _histogramCount++;
            }
        }
    }

    /// <summary>Prices one GPU's energy increment and time over the power span.</summary>
    public void AddGpu(GpuSample sample, double energyJoules)
    {
        var seconds = sample.Lost ? 0 : _power.Seconds;
        var a = new Accumulation { EnergyJoules = energyJoules, GpuSeconds = seconds };
        if (_site is { } site)
        {
            a.FacilityEnergyJoules = energyJoules * site.Pue;
            a.EnergyCostUsd = energyJoules * site.Pue * site.PricePerKwhUsd / SitePrices.JoulesPerKwh;
        }
        else
        {
            a.UnpricedEnergyJoules = energyJoules;
        }

        if (_cost.GpuHourlyUsd(sample.Name) is { } hourly)
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

    /// <summary>A server of the report, its tokens read over <paramref name="tokenSpan"/>: add its streams to what this returns.</summary>
    public Server AddServer(ServerState server, string tier, TimeSpanMs tokenSpan)
    {
        Server entry;
        if (_spareServers.Count > 0)
        {
            entry = _spareServers[^1];
            _spareServers.RemoveAt(_spareServers.Count - 1);
        }
        else
        {
            entry = new Server();
        }

        entry.Reset(server, tier, tokenSpan);
        _servers.Add(entry);
        return entry;
    }

    /// <summary>
    /// Latency observations per scope: every scope a server's tokens count in also gets its streams'
    /// histograms (a GPU model scope once per distinct model of the server's GPUs: observations are
    /// events, they cannot be split).
    /// </summary>
    public List<ScopeHistogramIncrement> Histograms(string siteName, string pool)
    {
        // Scope by scope, each scope's observations in server and histogram order: consecutive increments of one
        // fleet-wide scope are added under one taking of its lock (AggregateScopes.AddHistograms). No closures or
        // LINQ: this runs for every report (docs/BENCHMARKS.md, load).
        var result = _histograms;
        foreach (var s in _servers)
        {
            AddEach(result, ScopeKind.Server, s.Name, s);
        }

        foreach (var s in _servers)
        {
            AddEach(result, ScopeKind.Node, "", s);
        }

        foreach (var s in _servers)
        {
            AddEach(result, ScopeKind.Fleet, "", s);
        }

        foreach (var s in _servers)
        {
            AddEach(result, ScopeKind.Site, siteName, s);
        }

        foreach (var s in _servers)
        {
            AddEach(result, ScopeKind.Pool, pool, s);
        }

        foreach (var s in _servers)
        {
            foreach (var h in s.Histograms)
            {
                result.Add(new(ScopeKind.Model, h.Model, s.TokenSpan.FromMs, s.TokenSpan.ToMs, h));
            }
        }

        foreach (var s in _servers)
        {
            if (s.Tier.Length > 0)
            {
                AddEach(result, ScopeKind.Tier, s.Tier, s);
            }
        }

        foreach (var s in _servers)
        {
            DistinctGpuModels(s, _gpuModels);
            foreach (var gpuModel in _gpuModels)
            {
                AddEach(result, ScopeKind.GpuModel, gpuModel, s);
            }
        }

        return result;
    }

    /// <summary>Each of the server's histograms for one scope, over the server's token span.</summary>
    private static void AddEach(List<ScopeHistogramIncrement> result, ScopeKind kind, string name, Server s)
    {
        foreach (var h in s.Histograms)
        {
            result.Add(new(kind, name, s.TokenSpan.FromMs, s.TokenSpan.ToMs, h));
        }
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
        var result = _resolved;
        result.Add(new(ScopeKind.Node, "", _power.FromMs, _power.ToMs, NodeEnergyPart()));
        foreach (var s in _servers)
        {
            result.Add(new(ScopeKind.Server, s.Name, _power.FromMs, _power.ToMs, s.EnergyPart));
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
        // No LINQ: this runs for every report.
        var result = _aggregates;
        var nodeEnergy = NodeEnergyPart();
        AddFleetWide(result, ScopeKind.Fleet, "", nodeEnergy);
        AddFleetWide(result, ScopeKind.Site, siteName, nodeEnergy);
        AddFleetWide(result, ScopeKind.Pool, pool, nodeEnergy);

        var modelOfGpu = ModelOfGpu;
        foreach (var (_, model, value) in _gpus)
        {
            result.Add(new(ScopeKind.GpuModel, model, _power.FromMs, _power.ToMs, value));
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
                result.Add(new(ScopeKind.Tier, s.Tier, _power.FromMs, _power.ToMs, s.EnergyPart));
                result.Add(new(ScopeKind.Tier, s.Tier, s.TokenSpan.FromMs, s.TokenSpan.ToMs, s.Tokens));
            }

            var total = s.Tokens.TotalTokens;
            foreach (var (model, tokens) in s.Streams)
            {
                var share = total > 0 ? tokens.TotalTokens / total : 1.0 / s.Streams.Count;
                result.Add(new(ScopeKind.Model, model, _power.FromMs, _power.ToMs, s.EnergyPart.Scaled(share)));
                result.Add(new(ScopeKind.Model, model, s.TokenSpan.FromMs, s.TokenSpan.ToMs, tokens));
            }
        }

        return result;
    }

    private void AddFleetWide(List<ScopeIncrement> result, ScopeKind kind, string name, Accumulation nodeEnergy)
    {
        result.Add(new(kind, name, _power.FromMs, _power.ToMs, nodeEnergy));
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
        var sharers = _sharers;
        foreach (var s in _servers)
        {
            foreach (var uuid in s.GpuUuids)
            {
                if (!sharers.TryGetValue(uuid, out var list))
                {
                    sharers[uuid] = list = _spareSharerLists.Count > 0 ? _spareSharerLists.Pop() : [];
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
                s.EnergyPart.Add(part);
            }
        }
    }

    /// <summary>A node's fixed hourly cost is spread over its GPUs in service, so it follows them to servers and GPU models.</summary>
    private void SpreadNodeFixedCost()
    {
        if (_site is not { NodeHourlyUsd: > 0 } site || _power.Seconds <= 0)
        {
            return;
        }

        var nodeCost = site.NodeHourlyUsd * _power.Seconds / 3600;
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
