using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Hosting;

/// <summary>The collector's HTTP surface on real Kestrel (loopback): status codes, reasons, formats.</summary>
public sealed class CollectorHttpTests : IAsyncLifetime
{
    private const string TokenA = "token-node-a-0123456789";
    private WebApplication? _app;
    private CollectorService? _service;
    private HttpClient _http = new();

    public async Task InitializeAsync()
    {
        var options = new CollectorOptions
        {
            Windows = ["10s", "1m"],
            MaxReportBytes = 64 * 1024,
            Auth = new AuthOptions { Tokens = [new IngestTokenOptions { Token = TokenA, Nodes = ["a"] }] },
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 1 }],
                Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
            },
            Tiers = [new TierOptions { Name = "gold", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
        };
        _service = new CollectorService(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapCollector(_service, NullLogger.Instance);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app!.DisposeAsync();
        _service!.Dispose();
    }

    private Task<HttpResponseMessage> Post(byte[] body, string? token = TokenA, string? encoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports") { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _http.SendAsync(request);
    }

    [Fact]
    public async Task A_valid_report_is_accepted_and_a_replay_of_it_too_without_double_counting()
    {
        var report = new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1);
        Assert.Equal(HttpStatusCode.Accepted, (await Post(report.ToByteArray())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Post(report.ToByteArray())).StatusCode);
        Assert.Equal(1, _service!.Stats.Accepted);
        Assert.Equal(1, _service.Stats.Duplicates);
    }

    [Fact]
    public async Task Garbage_gets_400_with_a_reason()
    {
        var response = await Post([0xFF, 0xFF, 0xFF]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a protobuf NodeReport", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_with_a_negative_counter_gets_400_naming_the_field()
    {
        var report = new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1);
        report.Gpus[0].EnergyJoules.Delta = -3;
        var response = await Post(report.ToByteArray());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("gpus[0].energy_joules is negative", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_token_is_401_and_another_nodes_token_is_403()
    {
        var report = new Reports(node: "b").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1).ToByteArray();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(report, token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(report, token: TokenA)).StatusCode);
        Assert.Equal(0, _service!.Stats.Accepted);
    }

    [Fact]
    public async Task A_stranger_is_refused_before_its_body_is_decoded()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post([0xFF, 0xFF, 0xFF], token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post([0xFF, 0xFF, 0xFF], token: "not-a-known-token-000")).StatusCode);
        Assert.Equal(0, _service!.Stats.Rejected(Telemetry.Collector.Ingest.RejectReason.Malformed));
        Assert.Equal(2, _service.Stats.Rejected(Telemetry.Collector.Ingest.RejectReason.Unauthorized));
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_an_unknown_encoding_415()
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Post(new byte[100 * 1024])).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Post([1, 2, 3], encoding: "br")).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_text_0_0_4_by_default_and_openmetrics_when_asked()
    {
        await Post(new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1).ToByteArray());
        var text = await _http.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", text.Content.Headers.ContentType!.ToString());
        var body = await text.Content.ReadAsStringAsync();
        Assert.Contains("inference_node_up{node=\"a\",site=\"s1\",pool=\"p1\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("inference_tokens_total{", body, StringComparison.Ordinal);

        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text;version=1.0.0");
        var om = await _http.SendAsync(request);
        Assert.StartsWith("application/openmetrics-text", om.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_come_in_parts_when_asked_and_bad_part_parameters_are_a_400_with_the_reason()
    {
        await Post(new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1).ToByteArray());
        var home = Telemetry.Collector.Metrics.MetricsPart.Of("a", 2);
        var own = await _http.GetStringAsync($"/metrics?part={home}&parts=2");
        var other = await _http.GetStringAsync($"/metrics?part={1 - home}&parts=2");
        Assert.Contains("inference_node_up{node=\"a\",site=\"s1\",pool=\"p1\"} 1", own, StringComparison.Ordinal);
        Assert.DoesNotContain("node=\"a\"", other, StringComparison.Ordinal);
        Assert.Contains("# TYPE inference_node_up gauge", other, StringComparison.Ordinal); // the families, without a node's samples
        Assert.Equal(home == 0, own.Contains("inference_collector_reports_accepted_total", StringComparison.Ordinal));

        foreach (var (query, reason) in new[] { ("part=2&parts=2", "from 0 to 1"), ("part=0", "go together"), ("part=0&parts=1000", "from 1 to 256") })
        {
            var refused = await _http.GetAsync("/metrics?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(reason, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Promtool_accepts_the_metrics_output()
    {
        var reports = new Reports(node: "a");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 5; i++)
        {
            var r = reports.Next(now - 8000 + (i * 1000), 100, 10, 50, sentMs: now); // replayed now: no clock offset
            r.Servers[0].Tier = "gold";
            r.Gpus[0].SmClockHertz = 1410e6;
            r.Gpus[0].SmClockMaxHertz = 1980e6;
            var h = new HistogramSample { Metric = "ttft_seconds", Count = new Counter { Total = 4 }, Sum = new Counter { Total = 0.5 } };
            h.UpperBounds.AddRange([0.1, 1]);
            h.BucketCounts.AddRange([3, 4]);
            h.BucketDeltas.AddRange(i == 0 ? [0, 0] : [3, 4]);
            h.Count.Delta = i == 0 ? 0 : 4;
            r.Servers[0].Streams[0].Histograms.Add(h);
            await Post(r.ToByteArray());
        }

        var body = await _http.GetByteArrayAsync("/metrics");
        var text = System.Text.Encoding.UTF8.GetString(body);
        foreach (var family in new[]
        {
            "inference_kpi_cost_per_million_tokens_usd{", "inference_kpi_margin_per_million_tokens_usd{", "inference_kpi_latency_seconds{",
            "inference_kpi_ttft_slo_attainment_ratio{", "inference_kpi_facility_tokens_per_joule{", "inference_kpi_idle_energy_ratio{",
            "inference_gpu_clock_hertz{", "inference_gpu_clock_max_hertz{",
        })
        {
            Assert.True(text.Contains(family, StringComparison.Ordinal), $"no {family} in\n{text}"); // promtool must see every family with samples
        }

        var promtool = File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool"
            : throw new Xunit.Sdk.XunitException("promtool not found: apt-get install -y prometheus");
        var info = new ProcessStartInfo(promtool, "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        await p.StandardInput.BaseStream.WriteAsync(body);
        p.StandardInput.Close();
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0 && output.Trim().Length == 0, $"promtool: exit {p.ExitCode}\n{output}\n{System.Text.Encoding.UTF8.GetString(body)}");
    }

    [Fact]
    public async Task The_kpi_api_serves_the_same_numbers_as_json_and_refuses_unknown_filters()
    {
        var reports = new Reports(node: "a");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 8; i++)
        {
            var r = reports.Next(now - 9000 + (i * 1000), 200, 30, 100, sentMs: now);
            r.Servers[0].Tier = "gold";
            await Post(r.ToByteArray());
        }

        using var doc = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync("/api/v1/kpis?scope=server&window=10s"));
        var row = Assert.Single(doc.RootElement.GetProperty("kpis").EnumerateArray());
        Assert.Equal("server", row.GetProperty("scope").GetString());
        Assert.Equal("srv", row.GetProperty("labels").GetProperty("server").GetString());
        Assert.Equal(0.5, row.GetProperty("tokens_per_joule").GetProperty("output").GetDouble(), 9);
        Assert.Equal(100 / (200 * 1.3), row.GetProperty("facility_tokens_per_joule").GetProperty("output").GetDouble(), 9);
        Assert.True(row.GetProperty("total_cost_per_million_tokens_usd").GetProperty("total").GetDouble() > 0);
        Assert.False(row.TryGetProperty("margin_per_million_tokens_usd", out _)); // a server is not a tier: omitted, not null

        using var tiers = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync("/api/v1/kpis?scope=tier"));
        Assert.All(tiers.RootElement.GetProperty("kpis").EnumerateArray(), t => Assert.True(t.TryGetProperty("margin_per_million_tokens_usd", out _)));

        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/v1/kpis?window=7m")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/v1/kpis?scope=galaxy")).StatusCode);
    }

    [Fact]
    public async Task The_collector_reports_the_size_and_cost_of_its_previous_render()
    {
        await Post(new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1).ToByteArray());
        var first = await _http.GetStringAsync("/metrics");
        Assert.DoesNotContain("inference_collector_series", first, StringComparison.Ordinal);
        var second = await _http.GetStringAsync("/metrics");
        var lines = first.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        Assert.Contains($"inference_collector_series {lines}\n", second, StringComparison.Ordinal);
        Assert.Contains($"inference_collector_render_bytes {System.Text.Encoding.UTF8.GetByteCount(first)}\n", second, StringComparison.Ordinal);
        Assert.Contains("inference_collector_render_duration_seconds ", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_posted_report_is_counted_as_received_and_as_exactly_one_outcome()
    {
        var report = new Reports(node: "a").Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 1, 1).ToByteArray();
        Assert.Equal(HttpStatusCode.Accepted, (await Post(report)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Post(report)).StatusCode); // replay: duplicate
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(report, token: "wrong-token-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post([0xFF, 0xFF, 0xFF])).StatusCode);

        var text = await _http.GetStringAsync("/metrics");
        Assert.Contains("inference_collector_reports_received_total 4\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_reports_accepted_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_reports_duplicate_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_reports_rejected_total{reason=\"unauthorized\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_reports_rejected_total{reason=\"malformed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_nodes{state=\"up\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_collector_ingest_duration_seconds_count 2\n", text, StringComparison.Ordinal); // applied and duplicate: both fully checked
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/readyz")).StatusCode);
    }
}
