using Telemetry.Collector.Kpi;
using Telemetry.Collector.Proxy;
using Telemetry.Collector.State;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;
using Telemetry.Wire.Sketches;
using Xunit;

namespace Telemetry.Collector.Tests.Proxy;

public sealed class SketchPreferenceTests
{
    /// <summary>A sketch turned into buckets answers histogram_quantile within 1% of the exact value.</summary>
    [Fact]
    public void Sketch_buckets_interpolate_within_one_percent_of_the_exact_quantile()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 2000).Select(_ => Math.Exp(random.NextDouble() * 8 - 7)).ToArray();
        var sketch = new LogSketch();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        var view = SketchPreference.ToLatencyView("e2e_seconds", sketch);
        Array.Sort(values);
        foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99 })
        {
            var exact = values[(int)Math.Floor(q * (values.Length - 1))];
            var estimate = HistogramQuantile.Estimate(q, view.Bounds, view.Counts!)!.Value;
            Assert.True(Math.Abs(estimate - exact) <= 0.01 * exact, $"q={q}: {estimate} vs {exact}");
        }
    }

    [Fact]
    public void A_server_with_proxy_sketches_gets_its_latency_from_them_and_scopes_it_is_not_in_keep_engine_buckets()
    {
        var engine = LatencyView.FromCounts("e2e_seconds", [0.3, 1], [10, 0, 0], 1); // vLLM-like: nothing below 0.3 s
        var sketch = new LogSketch();
        for (var i = 0; i < 10; i++)
        {
            sketch.Add(0.012);
        }

        KeyValuePair<string, string>[] serverLabels = [new("node", "n1"), new("site", "s"), new("pool", "p"), new("server", "llama")];
        var node = new NodeView("n1", "s", "p", true, 0, 0, "", [], [],
            [new ServerView("llama", "vllm", "unified", "m", true, "", [], 0, [], LabelSet.Empty, "", LabelSet.Empty)], LabelSet.Empty);
        var fleet = new FleetSnapshot(0, [node],
        [
            new KpiView(ScopeKind.Server, serverLabels, "1m", 60, 60, default, [engine], LabelSet.Empty, LabelSet.Empty),
            new KpiView(ScopeKind.Model, [new("model", "m")], "1m", 60, 60, default, [engine], LabelSet.Empty, LabelSet.Empty),
        ]);
        var proxy = new ProxySnapshot([],
        [
            new ProxyKpiView(ProxyScopes.Server, [new("node", "n1"), new("server", "llama")], "1m", 60, 0, 0, 0, 10, 0, 0, new LogSketch(), new LogSketch(), sketch, null),
        ]);

        var result = SketchPreference.Apply(fleet, proxy);

        var server = Assert.Single(result.Kpis, k => k.Scope == ScopeKind.Server).Latency.Single(l => l.Metric == "e2e_seconds");
        Assert.InRange(server.P50!.Value, 0.012 * 0.99, 0.012 * 1.01);
        Assert.Equal(LatencySource.Sketch, server.Source);
        // The server serves no stream of model "m" (its node view lists none), so the model scope is not its to change.
        Assert.Equal(engine, Assert.Single(result.Kpis, k => k.Scope == ScopeKind.Model).Latency.Single());
    }
}
