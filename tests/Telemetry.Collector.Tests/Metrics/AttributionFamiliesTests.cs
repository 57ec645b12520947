using System.Text;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Metrics;

/// <summary>
/// The joins and prices the Prometheus rules need: server tiers, GPU shares (a GPU shared by two
/// servers is half each; an idle GPU has none), GPU energy price and capacity cost, tier objectives.
/// One node at site s1: GPU 0 (H100) shared by servers a (tier premium) and b; GPU 1 (H100) idle;
/// GPU 2 (an unpriced model) serves b.
/// </summary>
public sealed class AttributionFamiliesTests
{
    private const long T0 = 1_700_000_000_000;

    private static readonly CostOptions Prices = new()
    {
        Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.10, Pue = 1.5, NodeHourlyUsd = 3.6 }],
        Gpus = [new GpuCostOptions { Match = "h100", HourlyUsd = 2.88 }],
    };

    private static string Render(string site = "s1")
    {
        var windows = new[] { new WindowDuration("10s", 10) };
        var cost = new CostModel(Prices);
        var fleet = new FleetState(windows, cost);
        var r = new NodeReport { AgentInstanceId = "i", Sequence = 1, SampleTimeUnixMs = T0, SentTimeUnixMs = T0, Node = "n1", Site = site, Pool = "p1", IntervalSeconds = 1 };
        r.Gpus.Add(new GpuSample { Index = 0, Uuid = "GPU-0", Name = "NVIDIA H100 80GB HBM3", EnergyJoules = new Counter { Epoch = 1 } });
        r.Gpus.Add(new GpuSample { Index = 1, Uuid = "GPU-1", Name = "NVIDIA H100 80GB HBM3", EnergyJoules = new Counter { Epoch = 1 } });
        r.Gpus.Add(new GpuSample { Index = 2, Uuid = "GPU-2", Name = "Mystery Accelerator", EnergyJoules = new Counter { Epoch = 1 } });
        var a = new ServerSample { Name = "a", Engine = "vllm", Role = "unified", Tier = "premium", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
        a.GpuUuids.Add("GPU-0");
        var b = new ServerSample { Name = "b", Engine = "vllm", Role = "decode", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
        b.GpuUuids.Add("GPU-0");
        b.GpuUuids.Add("GPU-2");
        r.Servers.Add(a);
        r.Servers.Add(b);
        fleet.Apply(r, T0);
        var snapshot = new SnapshotBuilder(fleet, windows, 3).Build(T0 + 1000);

        var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        AttributionFamilies.Render(w, snapshot, cost);
        AttributionFamilies.RenderTiers(w, new Dictionary<string, double> { ["premium"] = 12, ["economy"] = 1.5 },
            new Dictionary<string, double> { ["premium"] = 0.5, ["economy"] = 0, ["standard"] = 1 });
        w.Finish();
        return Encoding.UTF8.GetString(w.WrittenMemory.Span);
    }

    private static double? Sample(string text, string seriesPrefix) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(seriesPrefix, StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    [Fact]
    public void Servers_carry_their_tier()
    {
        var text = Render();
        Assert.Equal(1, Sample(text, "inference_server_info{node=\"n1\",site=\"s1\",pool=\"p1\",server=\"a\",engine=\"vllm\",role=\"unified\",tier=\"premium\"}"));
        Assert.Equal(1, Sample(text, "inference_server_info{node=\"n1\",site=\"s1\",pool=\"p1\",server=\"b\",engine=\"vllm\",role=\"decode\",tier=\"\"}"));
    }

    [Fact]
    public void A_shared_gpu_is_split_equally_and_an_idle_gpu_has_no_share()
    {
        var text = Render();
        Assert.Equal(0.5, Sample(text, "inference_server_gpu_share_ratio{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"0\",gpu_uuid=\"GPU-0\",gpu_model=\"NVIDIA H100 80GB HBM3\",server=\"a\"}"));
        Assert.Equal(0.5, Sample(text, "inference_server_gpu_share_ratio{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"0\",gpu_uuid=\"GPU-0\",gpu_model=\"NVIDIA H100 80GB HBM3\",server=\"b\"}"));
        Assert.Equal(1, Sample(text, "inference_server_gpu_share_ratio{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"2\",gpu_uuid=\"GPU-2\",gpu_model=\"Mystery Accelerator\",server=\"b\"}"));
        Assert.DoesNotContain("gpu_uuid=\"GPU-1\"", text.Split('\n').Where(l => l.StartsWith("inference_server_gpu_share_ratio{", StringComparison.Ordinal)).ToList().Aggregate("", string.Concat), StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_prices_follow_the_cost_model_and_unpriced_gpus_are_left_out()
    {
        var text = Render();
        Assert.Equal(0.10 * 1.5 / 3.6e6, Sample(text, "inference_gpu_energy_price_usd_per_joule{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"1\"")!.Value, 15);

        // 2.88 USD/h for the H100 plus the node's 3.6 USD/h over its 3 GPUs in service.
        Assert.Equal((2.88 + 1.2) / 3600, Sample(text, "inference_gpu_capacity_cost_usd_per_second{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"0\"")!.Value, 12);
        Assert.Null(Sample(text, "inference_gpu_capacity_cost_usd_per_second{node=\"n1\",site=\"s1\",pool=\"p1\",gpu=\"2\""));
    }

    [Fact]
    public void A_site_without_prices_exports_no_energy_price()
    {
        var text = Render(site: "unknown-site");
        Assert.Null(Sample(text, "inference_gpu_energy_price_usd_per_joule{"));
        Assert.Equal(2.88 / 3600, Sample(text, "inference_gpu_capacity_cost_usd_per_second{node=\"n1\",site=\"unknown-site\",pool=\"p1\",gpu=\"0\"")!.Value, 12);
    }

    [Fact]
    public void Tier_prices_and_objectives_are_exported_with_the_objective_as_a_bucket_bound()
    {
        var text = Render();
        Assert.Equal(12, Sample(text, "inference_tier_price_per_million_tokens_usd{tier=\"premium\"}"));
        Assert.Equal(1.5, Sample(text, "inference_tier_price_per_million_tokens_usd{tier=\"economy\"}"));
        Assert.Equal(0.5, Sample(text, "inference_tier_ttft_slo_seconds{tier=\"premium\",slo_le=\"0.5\"}"));
        Assert.Equal(1, Sample(text, "inference_tier_ttft_slo_seconds{tier=\"standard\",slo_le=\"1\"}"));
        Assert.Null(Sample(text, "inference_tier_ttft_slo_seconds{tier=\"economy\""));
    }
}
