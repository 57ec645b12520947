using System.Text.Json;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Metrics.V1;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Ingest;
using Telemetry.Wire;
using static Telemetry.Collector.Tests.Otlp.OtlpPoints;

namespace Telemetry.Collector.Tests.Otlp;

/// <summary>
/// OTLP push against a real receiver on Kestrel that decodes the protobuf the SDK sends. One class,
/// so its tests run one after another: the SDK listens to meters by name, process-wide.
/// </summary>
public sealed class OtlpPushTests
{
    private const string Secret = "Bearer otlp-secret-0123456789";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CollectorOptions Options(string endpoint, string protocol = OtlpOptions.HttpProtobuf, double interval = 3600) => new()
    {
        Windows = ["10s", "1m"],
        Cost = new CostOptions
        {
            Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 1 }],
            Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
        },
        Tiers = [new TierOptions { Name = "gold", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
        Otlp = new OtlpOptions
        {
            Endpoint = endpoint,
            Protocol = protocol,
            IntervalSeconds = interval, // 3600: only Flush() pushes, so each test knows what was sent when
            Headers = $"Authorization={Secret}, X-Tenant=fleet-a",
            Timeout = 2,
        },
    };

    /// <summary>Eight 1-s reports: 200 J, 30 input and 100 output tokens each, 10 TTFT observations (2 ≤ 0.1 s, 6 ≤ 0.5 s, 2 ≤ 1 s).</summary>
    private static async Task FeedAsync(CollectorUnderTest collector, long nowMs)
    {
        var reports = new Reports(node: "a");
        for (var i = 0; i < 8; i++)
        {
            var r = reports.Next(nowMs - 9000 + (i * 1000), 200, 30, 100, sentMs: nowMs);
            r.Gpus[0].SmClockHertz = 1410e6;
            r.Gpus[0].SmClockMaxHertz = 1980e6;
            r.Servers[0].Tier = "gold";
            var h = new HistogramSample
            {
                Metric = "ttft_seconds",
                Count = new Counter { Total = 10 * i, Delta = i == 0 ? 0 : 10, Epoch = 1 },
                Sum = new Counter { Total = 3 * i, Delta = i == 0 ? 0 : 3, Epoch = 1 },
            };
            h.UpperBounds.AddRange([0.1, 0.5, 1]);
            h.BucketCounts.AddRange([2 * i, 8 * i, 10 * i]);
            h.BucketDeltas.AddRange(i == 0 ? [0, 0, 0] : [2, 8, 10]);
            r.Servers[0].Streams[0].Histograms.Add(h);
            r.AgentHealth = new AgentHealth { ReportsDroppedTotal = 3, BacklogReports = (ulong)(8 - i), BacklogBytes = 4096, SpoolReports = 12, SpoolBytes = 65536, SpoolSegmentsSkippedTotal = 1 };
            await collector.PostAsync(r);
        }
    }

    private static ExportMetricsServiceRequest Last(OtlpReceiver receiver) => receiver.Requests.Last().Body;

    [Fact]
    public async Task Pushed_kpis_equal_the_api_and_raw_counters_equal_what_was_ingested()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await using var collector = await CollectorUnderTest.StartAsync(Options(receiver.HttpUrl.ToString()), new FixedClock(now));
        await FeedAsync(collector, now.ToUnixTimeMilliseconds());

        using var api = JsonDocument.Parse(await collector.Http.GetStringAsync("/api/v1/kpis"));
        Assert.True(collector.Push!.Flush(Bound), "the push to the receiver failed");
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("/v1/metrics", received.Path); // a bare endpoint gets the OTLP/HTTP metrics path
        Assert.Equal("application/x-protobuf", received.ContentType);
        var pushed = received.Body;

        var rows = api.RootElement.GetProperty("kpis").EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("scope").GetString() == "tier");
        var compared = 0;
        foreach (var row in rows)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["scope"] = row.GetProperty("scope").GetString()!, ["window"] = row.GetProperty("window").GetString()! };
            foreach (var l in row.GetProperty("labels").EnumerateObject())
            {
                labels[l.Name] = l.Value.GetString()!;
            }

            compared += CompareByTokenType(pushed, "inference_kpi_tokens_per_joule", row, "tokens_per_joule", labels);
            compared += CompareByTokenType(pushed, "inference_kpi_facility_tokens_per_joule", row, "facility_tokens_per_joule", labels);
            compared += CompareByTokenType(pushed, "inference_kpi_tokens_per_second", row, "tokens_per_second", labels);
            compared += CompareByTokenType(pushed, "inference_kpi_cost_per_million_tokens_usd", row, "energy_cost_per_million_tokens_usd", new(labels) { ["basis"] = "energy" });
            compared += CompareByTokenType(pushed, "inference_kpi_cost_per_million_tokens_usd", row, "total_cost_per_million_tokens_usd", new(labels) { ["basis"] = "total" });
            compared += CompareScalar(pushed, "inference_kpi_margin_per_million_tokens_usd", row, "margin_per_million_tokens_usd", new(labels) { ["token_type"] = "total" });
            compared += CompareScalar(pushed, "inference_kpi_gpu_utilization_ratio", row, "gpu_utilization_ratio", labels);
            compared += CompareScalar(pushed, "inference_kpi_idle_energy_ratio", row, "idle_energy_ratio", labels);
            compared += CompareScalar(pushed, "inference_kpi_ttft_slo_attainment_ratio", row, "ttft_slo_attainment_ratio", labels);
            compared += CompareScalar(pushed, "inference_kpi_energy_joules", row, "energy_joules", labels);
            if (row.TryGetProperty("latency_seconds", out var latency))
            {
                foreach (var (key, q) in new[] { ("p50", "0.5"), ("p90", "0.9"), ("p95", "0.95"), ("p99", "0.99") })
                {
                    var expected = latency.GetProperty("ttft").GetProperty(key).GetDouble();
                    Assert.Equal(expected, Value(Metric(pushed, "inference_kpi_latency_seconds"), new Dictionary<string, string>(labels) { ["metric"] = "ttft", ["quantile"] = q }));
                    compared++;
                }
            }
        }

        // Nothing pushed that the API does not have: each family has exactly the points compared above.
        Assert.Equal(rows.Sum(r => Count(r, "tokens_per_joule")), Points(Metric(pushed, "inference_kpi_tokens_per_joule")).Count);
        Assert.Equal(rows.Sum(r => Count(r, "energy_cost_per_million_tokens_usd") + Count(r, "total_cost_per_million_tokens_usd")), Points(Metric(pushed, "inference_kpi_cost_per_million_tokens_usd")).Count);
        Assert.True(compared > 100, $"only {compared} values compared");
        Assert.Equal(0.5, Value(Metric(pushed, "inference_kpi_tokens_per_joule"), new Dictionary<string, string> { ["scope"] = "fleet", ["window"] = "10s", ["token_type"] = "output" }));
        Assert.Equal(OpenTelemetry.Proto.Metrics.V1.Metric.DataOneofCase.Gauge, Metric(pushed, "inference_kpi_tokens_per_joule").DataCase);
        Assert.Equal("{token}/J", Metric(pushed, "inference_kpi_tokens_per_joule").Unit);

        // Raw counters: the cumulative values the agent sent, as cumulative monotonic sums.
        var stream = new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1", ["server"] = "srv", ["engine"] = "vllm", ["model"] = "m", ["role"] = "unified", ["engine_index"] = "0" };
        var tokens = Metric(pushed, "inference_tokens");
        Assert.Equal(AggregationTemporality.Cumulative, tokens.Sum.AggregationTemporality);
        Assert.True(tokens.Sum.IsMonotonic);
        Assert.Equal("{token}", tokens.Unit);
        Assert.Equal(9000 + (8 * 100), Value(tokens, new Dictionary<string, string>(stream) { ["token_type"] = "output" }));
        Assert.Equal(5000 + (8 * 30), Value(tokens, new Dictionary<string, string>(stream) { ["token_type"] = "input" }));
        var gpuEnergy = Metric(pushed, "inference_gpu_energy_joules");
        Assert.Equal("J", gpuEnergy.Unit);
        Assert.Equal(AggregationTemporality.Cumulative, gpuEnergy.Sum.AggregationTemporality);
        Assert.Equal(1_000_000 + (8 * 200), Value(gpuEnergy, new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1", ["gpu"] = "0", ["gpu_uuid"] = "GPU-0", ["gpu_model"] = "H100" }));
        Assert.Equal(8 * 200, Value(Metric(pushed, "inference_server_energy_joules"), new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1", ["server"] = "srv", ["engine"] = "vllm", ["role"] = "unified" }));
        Assert.Equal(300, Value(Metric(pushed, "inference_gpu_power_watts"), new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1", ["gpu"] = "0", ["gpu_uuid"] = "GPU-0", ["gpu_model"] = "H100" }));
        var smClock = new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1", ["gpu"] = "0", ["gpu_uuid"] = "GPU-0", ["gpu_model"] = "H100", ["clock"] = "sm" };
        Assert.Equal(1410e6, Value(Metric(pushed, "inference_gpu_clock_hertz"), smClock));
        Assert.Equal(1980e6, Value(Metric(pushed, "inference_gpu_clock_max_hertz"), smClock));
        Assert.Single(Points(Metric(pushed, "inference_gpu_clock_hertz"))); // memory and graphics were not sent: no points
        Assert.Equal("Hz", Metric(pushed, "inference_gpu_clock_hertz").Unit);

        // The agent's health, as the last report carried it.
        var node = new Dictionary<string, string> { ["node"] = "a", ["site"] = "s1", ["pool"] = "p1" };
        var dropped = Metric(pushed, "inference_agent_reports_dropped");
        Assert.True(dropped.Sum.IsMonotonic);
        Assert.Equal(3, Value(dropped, node));
        Assert.Equal(1, Value(Metric(pushed, "inference_agent_backlog_reports"), node));
        Assert.Equal(4096, Value(Metric(pushed, "inference_agent_backlog_bytes"), node));
        Assert.Equal("By", Metric(pushed, "inference_agent_backlog_bytes").Unit);
        Assert.Equal(12, Value(Metric(pushed, "inference_agent_spool_reports"), node));
        Assert.Equal(65536, Value(Metric(pushed, "inference_agent_spool_bytes"), node));
        Assert.Equal(1, Value(Metric(pushed, "inference_agent_spool_segments_skipped"), node));

        // Self-metrics, and who is speaking.
        Assert.Equal(8, Value(Metric(pushed, "inference_collector_reports_received"), new Dictionary<string, string>()));
        Assert.Equal(8, Value(Metric(pushed, "inference_collector_reports_accepted"), new Dictionary<string, string>()));
        Assert.Equal(0, Value(Metric(pushed, "inference_collector_reports_rejected"), new Dictionary<string, string> { ["reason"] = "malformed" }));
        Assert.Equal(1, Value(Metric(pushed, "inference_collector_nodes"), new Dictionary<string, string> { ["state"] = "up" }));
        var ingest = Metric(pushed, "inference_collector_ingest_duration_seconds");
        var histogram = Assert.Single(ingest.Histogram.DataPoints);
        Assert.Equal(8UL, histogram.Count);
        Assert.Equal(IngestStats.LatencyBoundsSeconds, histogram.ExplicitBounds);
        Assert.Equal(AggregationTemporality.Cumulative, ingest.Histogram.AggregationTemporality);
        var resource = Attributes(pushed.ResourceMetrics[0].Resource.Attributes);
        Assert.Equal("telemetry-collector", resource["service.name"]);
        Assert.Equal("Telemetry.Collector", pushed.ResourceMetrics[0].ScopeMetrics[0].Scope.Name);

        Assert.Equal(Secret, received.Headers["Authorization"]);
        Assert.Equal("fleet-a", received.Headers["X-Tenant"]);
        Assert.DoesNotContain(collector.Log.Lines, l => l.Message.Contains("otlp-secret", StringComparison.Ordinal));
    }

    private static int Count(JsonElement row, string property) =>
        row.TryGetProperty(property, out var v) ? v.EnumerateObject().Count() : 0;

    private static int CompareByTokenType(ExportMetricsServiceRequest pushed, string family, JsonElement row, string property, Dictionary<string, string> labels)
    {
        var compared = 0;
        var metric = pushed.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).FirstOrDefault(m => m.Name == family);
        foreach (var tokenType in new[] { "output", "input", "total" })
        {
            var attributes = new Dictionary<string, string>(labels) { ["token_type"] = tokenType };
            if (row.TryGetProperty(property, out var byType) && byType.TryGetProperty(tokenType, out var expected))
            {
                Assert.True(metric is not null, $"{family} was not pushed");
                Assert.Equal(expected.GetDouble(), Value(metric, attributes));
                compared++;
            }
            else if (metric is not null)
            {
                Assert.DoesNotContain(Points(metric), p => p.Attributes.Count == attributes.Count && attributes.All(a => p.Attributes.GetValueOrDefault(a.Key) == a.Value));
            }
        }

        return compared;
    }

    private static int CompareScalar(ExportMetricsServiceRequest pushed, string family, JsonElement row, string property, Dictionary<string, string> labels)
    {
        if (!row.TryGetProperty(property, out var expected))
        {
            return 0;
        }

        Assert.Equal(expected.GetDouble(), Value(Metric(pushed, family), labels));
        return 1;
    }

    [Fact]
    public async Task A_fleet_past_the_sdk_default_of_2000_series_per_metric_is_pushed_whole()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await using var collector = await CollectorUnderTest.StartAsync(Options(receiver.HttpUrl.ToString()), new FixedClock(now));
        const int Nodes = 400; // (400 nodes + 400 servers + aggregates) × 3 token types > 2400 series in one window alone
        for (var n = 0; n < Nodes; n++)
        {
            var reports = new Reports(node: $"n{n:D3}", instance: $"i{n}");
            for (var i = 0; i < 2; i++)
            {
                Assert.Null(collector.Service.Ingest(reports.Next(now.ToUnixTimeMilliseconds() - 9000 + (i * 1000), 200, 30, 100, sentMs: now.ToUnixTimeMilliseconds())).Error);
            }
        }

        using var api = JsonDocument.Parse(await collector.Http.GetStringAsync("/api/v1/kpis"));
        Assert.True(collector.Push!.Flush(Bound));
        var pushed = Last(receiver);
        var expected = api.RootElement.GetProperty("kpis").EnumerateArray().Sum(r => Count(r, "tokens_per_joule"));
        Assert.True(expected > 2000, $"only {expected} series: the test no longer passes the SDK default; rows by scope and window: " +
            string.Join(", ", api.RootElement.GetProperty("kpis").EnumerateArray().GroupBy(r => r.GetProperty("scope").GetString() + "/" + r.GetProperty("window").GetString() + "/" + Count(r, "tokens_per_joule")).Select(g => $"{g.Key}:{g.Count()}")));
        var points = Points(Metric(pushed, "inference_kpi_tokens_per_joule"));
        Assert.Equal(expected, points.Count);
        Assert.DoesNotContain(points, p => p.Attributes.ContainsKey("otel.metric.overflow"));
    }

    [Fact]
    public async Task The_push_runs_on_its_interval_and_grpc_works_too()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var collector = await CollectorUnderTest.StartAsync(Options(receiver.GrpcUrl.ToString(), OtlpOptions.Grpc, interval: 1));
        await FeedAsync(collector, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // No Flush(): the periodic reader pushes by itself; bounded wait, generous for a loaded machine.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await receiver.WaitAsync(Bound), $"push {i + 1} did not arrive within {Bound.TotalSeconds} s");
        }

        var received = receiver.Requests.Last();
        Assert.Equal("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", received.Path);
        Assert.StartsWith("application/grpc", received.ContentType, StringComparison.Ordinal);
        Assert.Equal(Secret, received.Headers["Authorization"]);
        Assert.Equal(9800, Points(Metric(received.Body, "inference_tokens")).Single(p => p.Attributes["token_type"] == "output").Value);
        // Pushes run one after another: the third arriving means the first two have returned.
        Assert.True(collector.Service.ExportStats.Succeeded >= 2, $"{collector.Service.ExportStats.Succeeded} pushes counted as succeeded");
        Assert.Equal(0, collector.Service.ExportStats.Failed);
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_pushed()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var options = Options(receiver.HttpUrl.ToString(), interval: 1);
        options.Otlp.Endpoint = "";
        await using var collector = await CollectorUnderTest.StartAsync(options);
        Assert.Null(collector.Push);
        await FeedAsync(collector, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // Three of the intervals a configured push would use.
        Assert.False(await receiver.WaitAsync(TimeSpan.FromSeconds(3)));
        Assert.Empty(receiver.Requests);
        var metrics = await collector.Http.GetStringAsync("/metrics");
        Assert.DoesNotContain("inference_collector_otlp_exports", metrics, StringComparison.Ordinal);
        Assert.Contains("inference_collector_reports_received_total 8\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_endpoint_costs_one_log_line_and_does_not_hurt_ingest_or_metrics()
    {
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var collector = await CollectorUnderTest.StartAsync(Options($"http://127.0.0.1:{closedPort}"));
        for (var i = 0; i < 3; i++)
        {
            Assert.False(collector.Push!.Flush(Bound), "a push to a closed port cannot succeed");
        }

        await FeedAsync(collector, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); // every report answered 202
        var metrics = await collector.Http.GetStringAsync("/metrics");
        Assert.Contains("inference_collector_reports_accepted_total 8\n", metrics, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_tokens_per_joule{", metrics, StringComparison.Ordinal);
        Assert.Contains("inference_collector_otlp_exports_total{result=\"failure\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("inference_collector_otlp_exports_total{result=\"success\"} 0\n", metrics, StringComparison.Ordinal);

        var warnings = collector.Log.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains($"127.0.0.1:{closedPort}/v1/metrics", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("otlp-secret", warning.Message, StringComparison.Ordinal);
    }
}
