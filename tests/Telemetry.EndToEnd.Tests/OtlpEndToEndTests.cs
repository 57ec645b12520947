using System.Net.Http.Headers;
using Google.Protobuf;
using Telemetry.Collector.Tests.Otlp;
using Telemetry.Wire;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// The real collector process, configured by environment only, pushing over OTLP/HTTP to a receiver
/// on Kestrel that decodes the protobuf; and refusing a bad OTLP setting by name.
/// </summary>
[Collection("processes")]
public sealed class OtlpEndToEndTests
{
    private const string Secret = "Bearer e2e-otlp-secret-0123456789";

    [Fact]
    public async Task The_collector_process_pushes_what_it_ingested_on_its_interval()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = url,
            ["Collector__Windows__0"] = "1m",
            ["Collector__Otlp__Endpoint"] = receiver.HttpUrl.ToString(),
            ["Collector__Otlp__IntervalSeconds"] = "1",
            ["Collector__Otlp__Headers"] = $"Authorization={Secret}",
        });
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };

        // Five 1-s reports of one GPU and one server: 150 J and 40 output tokens each.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 5; i++)
        {
            var report = Report(i, now - 6000 + (i * 1000), now);
            await Poll.UntilAsync(async () => await PostAsync(http, report), TimeSpan.FromSeconds(30), () => collector.Output);
        }

        double? pushedOutputTokens = null;
        await Poll.UntilAsync(() =>
        {
            var last = receiver.Requests.LastOrDefault();
            pushedOutputTokens = last is null || !OtlpPoints.Names(last.Body).Contains("inference_tokens") ? null
                : OtlpPoints.Points(OtlpPoints.Metric(last.Body, "inference_tokens")).Single(p => p.Attributes["token_type"] == "output").Value;
            return Task.FromResult(pushedOutputTokens == 1000 + (5 * 40));
        }, TimeSpan.FromSeconds(30), () => $"last pushed output tokens: {pushedOutputTokens}\n{collector.Output}");

        Assert.Equal(Secret, receiver.Requests.Last().Headers["Authorization"]);
        var fleet = OtlpPoints.Value(OtlpPoints.Metric(receiver.Requests.Last().Body, "inference_kpi_tokens_per_joule"),
            new Dictionary<string, string> { ["scope"] = "fleet", ["window"] = "1m", ["token_type"] = "output" });
        Assert.Equal(40.0 / 150, fleet, 9);

        var metrics = await http.GetStringAsync("/metrics");
        Assert.True(ExpositionText.Find(metrics, "inference_collector_otlp_exports_total", ("result", "success")) >= 1, metrics);
        Assert.Contains("OTLP push to", collector.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("e2e-otlp-secret", collector.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_otlp_setting_stops_the_collector_naming_the_key()
    {
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = $"http://127.0.0.1:{RepoPaths.FreePort()}",
            ["Collector__Otlp__Endpoint"] = "http://127.0.0.1:4318",
            ["Collector__Otlp__Protocol"] = "http/json",
        });
        Assert.Equal(2, collector.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("Collector:Otlp:Protocol", collector.Output, StringComparison.Ordinal);
    }

    private static async Task<bool> PostAsync(HttpClient http, NodeReport report)
    {
        var content = new ByteArrayContent(report.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        try
        {
            using var response = await http.PostAsync("/v1/reports", content);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            return true;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static NodeReport Report(int i, long sampleMs, long sentMs)
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = "otlp-e2e",
            Sequence = (ulong)i + 1,
            SampleTimeUnixMs = sampleMs,
            PreviousSampleTimeUnixMs = first ? 0 : sampleMs - 1000,
            SentTimeUnixMs = sentMs,
            Node = "otlp-node",
            Site = "s1",
            Pool = "p1",
            IntervalSeconds = 1,
        };
        r.Gpus.Add(new GpuSample
        {
            Index = 0,
            Uuid = "GPU-0",
            Name = "H100",
            Source = "nvml",
            EnergyMethod = EnergyMethod.Counter,
            EnergyJoules = new Counter { Total = 5000 + (150 * i), Delta = first ? 0 : 150, Epoch = 1 },
        });
        var server = new ServerSample
        {
            Name = "srv",
            Engine = "vllm",
            Role = "unified",
            Up = true,
            EnergyJoules = new Counter { Total = 150 * i, Delta = first ? 0 : 150, Epoch = 1 },
        };
        server.GpuUuids.Add("GPU-0");
        server.Streams.Add(new StreamSample { Model = "m", OutputTokens = new Counter { Total = 1000 + (40 * (i + 1)), Delta = first ? 0 : 40, Epoch = 1 } });
        r.Servers.Add(server);
        return r;
    }
}
