using System.Collections.Concurrent;
using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Cost;

/// <summary>Prices of one site: electricity, PUE and fixed node cost.</summary>
public sealed record SitePrices(double PricePerKwhUsd, double Pue, double NodeHourlyUsd)
{
    /// <summary>Joules in a kilowatt-hour.</summary>
    public const double JoulesPerKwh = 3.6e6;
}

/// <summary>
/// Looks up the configured prices: a node's site (or the default site), a GPU model's hourly cost
/// (first entry whose <c>Match</c> occurs in the model name, case-insensitively). Unknown means
/// null — the KPIs that need the price are withheld rather than computed with a guess. Thread-safe.
/// </summary>
public sealed class CostModel
{
    private readonly Dictionary<string, SitePrices> _sites;
    private readonly SitePrices? _defaultSite;
    private readonly IReadOnlyList<GpuCostOptions> _gpus;
    private readonly ConcurrentDictionary<string, double?> _gpuHourly = new(StringComparer.Ordinal);

    public CostModel(CostOptions options)
    {
        _sites = options.Sites.ToDictionary(s => s.Name, s => new SitePrices(s.PricePerKwhUsd, s.Pue, s.NodeHourlyUsd), StringComparer.Ordinal);
        _defaultSite = options.DefaultSite.Length > 0 ? _sites[options.DefaultSite] : null;
        _gpus = options.Gpus;
    }

    public SitePrices? Site(string site) => _sites.TryGetValue(site, out var prices) ? prices : _defaultSite;

    public double? GpuHourlyUsd(string gpuModel) => _gpuHourly.GetOrAdd(gpuModel, static (name, gpus) =>
    {
        foreach (var g in gpus)
        {
            if (name.Contains(g.Match, StringComparison.OrdinalIgnoreCase))
            {
                return g.HourlyUsd;
            }
        }

        return null;
    }, _gpus);
}
