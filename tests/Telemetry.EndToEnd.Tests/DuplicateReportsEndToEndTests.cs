using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Telemetry.Wire;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// Crafted <see cref="NodeReport"/>s posted over HTTP to a real collector process: the same stream in
/// order, with every report sent twice (and the whole stream once more), and shuffled (its first
/// report not first). Each node's windowed tokens, energy and tokens/J equal the truth within 1%, so
/// the collector's totals do not depend on arrival order or retries (DESIGN §3).
/// </summary>
[Collection("processes")]
public sealed class DuplicateReportsEndToEndTests(ITestOutputHelper output)
{
    private const int Reports = 40;
    private const double Watts = 200;
    private const double OutputPerSecond = 800;
    private const double InputPerSecond = 100;

    [Fact]
    public async Task Duplicated_and_shuffled_reports_give_the_totals_of_the_in_order_stream()
    {
        string[] nodes = ["in-order", "duplicated", "shuffled"];
        await using var rig = await LossRig.StartAsync(["1m"], nodes);

        // Samples every second, ending well before now and well inside the 1m window.
        var firstMs = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 2000 * 2000) - 50_000;
        var reports = nodes.ToDictionary(n => n, n => Stream(n, firstMs));
        await Poll.UntilAsync(async () => await TryPostAsync(rig, reports["in-order"][0]) == HttpStatusCode.Accepted, TimeSpan.FromSeconds(60), () => rig.Logs);

        foreach (var r in reports["in-order"].Skip(1))
        {
            await PostAsync(rig, r);
        }

        foreach (var r in reports["duplicated"])
        {
            await PostAsync(rig, r);
            await PostAsync(rig, r);
        }

        foreach (var r in reports["duplicated"])
        {
            await PostAsync(rig, r);
        }

        foreach (var r in reports["shuffled"].OrderBy(r => (r.Sequence * 7919) % 41)) // a fixed permutation of 1..40, 1 not first
        {
            await PostAsync(rig, r);
        }

        var lastMs = firstMs + ((Reports - 1) * 1000L);
        foreach (var node in nodes)
        {
            var row = await rig.KpiAsync("node", "1m", ("node", node)) ?? throw new Xunit.Sdk.XunitException($"no row for {node}\n{rig.Logs}");

            // The window ends SnapshotBuilder.SettleSeconds (2) before the snapshot, at a 2-s slot edge, and
            // covers whole slots; data exists over [first sample, last sample].
            var endMs = (row.SnapshotMs - 2000) / 2000 * 2000;
            var startMs = endMs - (long)(row.CoveredSeconds * 1000);
            var seconds = Math.Max(0, Math.Min(endMs, lastMs) - Math.Max(startMs, firstMs)) / 1000.0;
            Assert.True(seconds >= 30, $"{node}: the window should cover most of the {Reports}-s stream, covers {seconds} s: {row.Json}");
            AssertWithin(OutputPerSecond * seconds, row.OutputTokens, $"{node} output tokens", row.Json);
            AssertWithin(InputPerSecond * seconds, row.InputTokens, $"{node} input tokens", row.Json);
            AssertWithin(Watts * seconds, row.EnergyJoules, $"{node} energy", row.Json);
            AssertWithin(OutputPerSecond / Watts, row.OutputTokensPerJoule, $"{node} output tokens/J", row.Json);
        }

        var metrics = await rig.Http.GetStringAsync(rig.CollectorUrl + "/metrics");
        // Every second copy, and the stream sent again, were acknowledged as duplicates (the shuffled stream adds the
        // reports whose increments were already recovered from a later report's cumulative values).
        var duplicates = ExpositionText.Find(metrics, "inference_collector_reports_duplicate_total") ?? 0;
        Assert.True(duplicates >= 2 * Reports, $"expected at least {2 * Reports} duplicates, counted {duplicates}");
    }

    /// <summary>One agent instance's stream: cumulative counters and deltas as the agent builds them (the first delta 0).</summary>
    private static List<NodeReport> Stream(string node, long firstMs)
    {
        var instance = Guid.NewGuid().ToString("N");
        var list = new List<NodeReport>(Reports);
        for (var i = 0; i < Reports; i++)
        {
            var t = firstMs + (i * 1000L);
            var first = i == 0;
            var report = new NodeReport
            {
                AgentInstanceId = instance,
                Sequence = (ulong)(i + 1),
                SampleTimeUnixMs = t,
                PreviousSampleTimeUnixMs = first ? 0 : t - 1000,
                Node = node,
                Site = "lab",
                Pool = "h100",
                IntervalSeconds = 1,
                AgentVersion = "crafted",
            };
            report.Gpus.Add(new GpuSample
            {
                Index = 0,
                Uuid = $"GPU-{node}",
                Name = "NVIDIA H100 80GB HBM3",
                Source = "nvml",
                EnergyMethod = EnergyMethod.Counter,
                EnergyJoules = Counter(5000 + (Watts * i), first ? 0 : Watts, firstMs),
            });
            var server = new ServerSample { Name = "s", Engine = "vllm", Role = "unified", Up = true, EnergyJoules = Counter(Watts * i, first ? 0 : Watts, firstMs) };
            server.GpuUuids.Add($"GPU-{node}");
            server.Streams.Add(new StreamSample
            {
                Model = "m",
                InputTokens = Counter(9000 + (InputPerSecond * i), first ? 0 : InputPerSecond, firstMs),
                OutputTokens = Counter(70000 + (OutputPerSecond * i), first ? 0 : OutputPerSecond, firstMs),
            });
            report.Servers.Add(server);
            list.Add(report);
        }

        return list;
    }

    private static Counter Counter(double total, double delta, long epoch) => new() { Total = total, Delta = delta, Epoch = epoch };

    private static async Task PostAsync(LossRig rig, NodeReport report)
    {
        var status = await TryPostAsync(rig, report);
        Assert.True(status == HttpStatusCode.Accepted, $"report {report.Node}/{report.Sequence}: {status}\n{rig.Logs}");
    }

    private static async Task<HttpStatusCode?> TryPostAsync(LossRig rig, NodeReport report)
    {
        report.SentTimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var content = new ByteArrayContent(report.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var request = new HttpRequestMessage(HttpMethod.Post, rig.CollectorUrl + "/v1/reports") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LossRig.Token);
        try
        {
            using var response = await rig.Http.SendAsync(request);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private void AssertWithin(double expected, double actual, string what, string json)
    {
        var error = Math.Abs(actual - expected) / expected;
        output.WriteLine($"{what}: expected {expected:0.###}, measured {actual:0.###} ({error:P3} off)");
        Assert.True(error <= KpiTruth.Tolerance, $"{what}: expected {expected:0.###}, got {actual:0.###} ({error:P2} off): {json}");
    }
}
