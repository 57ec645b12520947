using Telemetry.Scraping;
using Telemetry.Scraping.Engines;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real engine: llama-server serving real tokens. The agent's token counts — through its real scrape
/// path, and through the agent and collector processes — must equal the sum of the <c>usage</c> the
/// responses reported, and the decode-time inputs llama.cpp has must be there.
/// </summary>
[Collection("processes")]
public sealed class LlamaServerTests(ITestOutputHelper output)
{
    private const int Requests = 12;

    [Fact]
    public async Task Scraped_token_counts_equal_the_usage_the_responses_reported()
    {
        using var server = await LlamaServerProcess.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scraper = new EngineScraper(http);
        var url = new Uri(server.MetricsUrl);

        var before = await ReadAsync(scraper, url, server);
        var usage = await LlamaServerLoad.RunAsync(server.BaseUrl, Requests);
        var after = await ReadAsync(scraper, url, server);
        output.WriteLine($"usage: {usage}; before: in {before.InputTokens} out {before.OutputTokens}; after: in {after.InputTokens} out {after.OutputTokens}");

        Assert.Equal(usage.PromptTokens, after.InputTokens - before.InputTokens);
        Assert.Equal(usage.CompletionTokens, after.OutputTokens - before.OutputTokens);
        Assert.True(usage.CachedTokens > 0, "the repeated prompt should have been served partly from llama.cpp's cache, exercising prompt_tokens_cached_total");

        // Decode time per token: llama.cpp's seconds counter over its token counter, a mean-only histogram.
        var tpot = after.Histograms[HistogramNames.Tpot];
        Assert.Empty(tpot.UpperBounds);
        Assert.Equal(after.OutputTokens, tpot.Count);
        Assert.InRange(tpot.Sum - before.Histograms[HistogramNames.Tpot].Sum, 1e-6, 60);
        Assert.Contains(HistogramNames.Tpot, after.Derived);
        Assert.False(after.Histograms.ContainsKey(HistogramNames.Ttft)); // llama.cpp has none: absent, not invented
        Assert.Equal(0, after.Running);
    }

    [Fact]
    public async Task Agent_and_collector_export_exactly_the_tokens_the_responses_reported()
    {
        using var server = await LlamaServerProcess.StartAsync();
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = collectorUrl,
            ["Collector__Windows__0"] = "10s",
        });
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], new Dictionary<string, string>
        {
            ["Agent__Node"] = "llama-node",
            ["Agent__IntervalSeconds"] = "0.5",
            ["Agent__Collector__Url"] = collectorUrl,
            ["Agent__Power__Sources__0"] = "simulated",
            ["Agent__Power__Simulated__Gpus"] = "1",
            ["Agent__Servers__0__Name"] = "llama",
            ["Agent__Servers__0__Url"] = server.MetricsUrl,
            ["Agent__Servers__0__Engine"] = "llamacpp",
            ["Agent__Servers__0__Model"] = LlamaServerProcess.ModelAlias,
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string Logs() => $"--- llama-server ---\n{server.Output}\n--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";
        double? Series(string metrics, string name, string tokenType = "") => ExpositionText.Find(metrics, name,
            [("server", "llama"), ("engine", "llamacpp"), ("model", LlamaServerProcess.ModelAlias), .. tokenType.Length > 0 ? [("token_type", tokenType)] : Array.Empty<(string, string)>()]);

        // The agent has seen the idle server (its counters at 0) before any request is made.
        await Poll.UntilAsync(async () => await MetricsAsync(http, collectorUrl) is { } m && Series(m, "inference_tokens_total", "output") == 0,
            TimeSpan.FromSeconds(60), Logs);

        var usage = await LlamaServerLoad.RunAsync(server.BaseUrl, Requests);
        output.WriteLine($"usage: {usage}");

        string metrics = "";
        await Poll.UntilAsync(async () => (metrics = await MetricsAsync(http, collectorUrl) ?? "") is var m
                && Series(m, "inference_tokens_total", "output") == usage.CompletionTokens
                && Series(m, "inference_tokens_total", "input") == usage.PromptTokens,
            TimeSpan.FromSeconds(30), () => $"expected input {usage.PromptTokens}, output {usage.CompletionTokens}\n{metrics}\n{Logs()}");

        Assert.Equal(1, ExpositionText.Find(metrics, "inference_server_up", ("server", "llama"), ("engine", "llamacpp")));
        Assert.Equal(usage.CompletionTokens, Series(metrics, "inference_time_per_output_token_seconds_count"));
        Assert.True(Series(metrics, "inference_time_per_output_token_seconds_sum") > 0, metrics);
        Assert.Null(Series(metrics, "inference_time_to_first_token_seconds_count"));
    }

    [Fact]
    public async Task Agent_inspect_prints_the_llama_server_reading()
    {
        using var server = await LlamaServerProcess.StartAsync();
        var usage = await LlamaServerLoad.RunAsync(server.BaseUrl, 2);
        using var inspect = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["inspect", "--url", server.MetricsUrl, "--model", LlamaServerProcess.ModelAlias], new Dictionary<string, string>());
        Assert.Equal(0, inspect.WaitForExit(TimeSpan.FromSeconds(60)));

        using var json = System.Text.Json.JsonDocument.Parse(inspect.Output);
        var root = json.RootElement;
        Assert.Equal("llamacpp", root.GetProperty("engine").GetString());
        Assert.Equal(server.MetricsUrl, root.GetProperty("url").GetString());
        var stream = Assert.Single(root.GetProperty("streams").EnumerateArray());
        Assert.Equal(LlamaServerProcess.ModelAlias, stream.GetProperty("model").GetString());
        Assert.Equal(usage.PromptTokens, stream.GetProperty("input_tokens").GetInt64());
        Assert.Equal(usage.CompletionTokens, stream.GetProperty("output_tokens").GetInt64());
        Assert.Equal(usage.CompletionTokens, stream.GetProperty("histograms").GetProperty("tpot_seconds").GetProperty("count").GetInt64());
        Assert.False(stream.GetProperty("histograms").TryGetProperty("ttft_seconds", out _));
        Assert.Equal(["tpot_seconds"], stream.GetProperty("derived").EnumerateArray().Select(d => d.GetString()));
    }

    private static async Task<StreamReading> ReadAsync(EngineScraper scraper, Uri url, LlamaServerProcess server)
    {
        var result = await scraper.ScrapeAsync(url, "auto", null, CancellationToken.None);
        Assert.True(result.Succeeded, $"{result.Error}\n{server.Output}");
        Assert.Equal("llamacpp", result.Reading!.Engine);
        return Assert.Single(result.Reading.Streams);
    }

    private static async Task<string?> MetricsAsync(HttpClient http, string collectorUrl)
    {
        try
        {
            return await http.GetStringAsync(collectorUrl + "/metrics");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null; // not listening yet, or slow on a busy machine: the poll asks again
        }
    }
}
