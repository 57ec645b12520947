using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A Kestrel server on loopback serving vLLM V1-format <c>/metrics</c> (names, labels, _created
/// families as prometheus_client renders them) whose token counters grow at known constant rates
/// from the moment it starts: the ground truth the end-to-end test compares against.
/// <see cref="RestartAfterNextScrape"/> models an engine restart: its counters start again from 0.
/// </summary>
internal sealed class FakeVllmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _sync = new();

    // Per path prefix: clock seconds at which the engine's current run started, and whether it restarts after the next scrape.
    private readonly Dictionary<string, (double StartSeconds, bool RestartPending)> _runs = new(StringComparer.Ordinal);

    /// <param name="models">Per path prefix: model name, prompt tokens/s, generation tokens/s.</param>
    public FakeVllmServer(int port, IReadOnlyDictionary<string, (string Model, double PromptPerSecond, double GenerationPerSecond)> models)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _app = builder.Build();
        foreach (var (path, m) in models)
        {
            _runs[path] = (0, false);
            _app.MapGet($"/{path}/metrics", (HttpContext ctx) =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                return ctx.Response.WriteAsync(Render(m.Model, m.PromptPerSecond, m.GenerationPerSecond, RunSeconds(path)));
            });
        }

        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public Task StartAsync() => _app.StartAsync();

    /// <summary>
    /// The engine behind <paramref name="path"/> restarts right after its next scrape: from then on its
    /// counters count from 0 again (Prometheus reset semantics). Restarting just after a scrape keeps the
    /// truth exact — the tokens the old process made after its last scrape would be lost to any scraper.
    /// </summary>
    public void RestartAfterNextScrape(string path)
    {
        lock (_sync)
        {
            _runs[path] = (_runs[path].StartSeconds, true);
        }
    }

    /// <summary>Seconds the engine's current run has lasted at this scrape (restarting it afterwards if asked).</summary>
    private double RunSeconds(string path)
    {
        lock (_sync)
        {
            var now = _clock.Elapsed.TotalSeconds;
            var (start, restart) = _runs[path];
            if (restart)
            {
                _runs[path] = (now, false);
            }

            return now - start;
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static string Render(string model, double promptPerSecond, double generationPerSecond, double t)
    {
        var labels = $"engine=\"0\",model_name=\"{model}\"";
        var requests = Math.Floor(generationPerSecond * t / 100);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $$"""
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{{{labels}}} 4.0
            # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
            # TYPE vllm:num_requests_waiting gauge
            vllm:num_requests_waiting{{{labels}}} 1.0
            # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
            # TYPE vllm:kv_cache_usage_perc gauge
            vllm:kv_cache_usage_perc{{{labels}}} 0.25
            # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
            # TYPE vllm:prompt_tokens_total counter
            vllm:prompt_tokens_total{{{labels}}} {{Math.Floor(promptPerSecond * t):0.0}}
            # HELP vllm:prompt_tokens_created Number of prefill tokens processed.
            # TYPE vllm:prompt_tokens_created gauge
            vllm:prompt_tokens_created{{{labels}}} 1.7682643398899e+09
            # HELP vllm:generation_tokens_total Number of generation tokens processed.
            # TYPE vllm:generation_tokens_total counter
            vllm:generation_tokens_total{{{labels}}} {{Math.Floor(generationPerSecond * t):0.0}}
            # HELP vllm:request_success_total Count of successfully processed requests.
            # TYPE vllm:request_success_total counter
            vllm:request_success_total{engine="0",finished_reason="stop",model_name="{{model}}"} {{requests:0.0}}
            vllm:request_success_total{engine="0",finished_reason="length",model_name="{{model}}"} 0.0
            vllm:request_success_total{engine="0",finished_reason="abort",model_name="{{model}}"} 0.0
            vllm:request_success_total{engine="0",finished_reason="error",model_name="{{model}}"} 0.0
            # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
            # TYPE vllm:time_to_first_token_seconds histogram
            vllm:time_to_first_token_seconds_sum{{{labels}}} {{requests * 0.05:0.###}}
            vllm:time_to_first_token_seconds_bucket{{{labels}},le="0.01"} 0.0
            vllm:time_to_first_token_seconds_bucket{{{labels}},le="0.1"} {{requests:0.0}}
            vllm:time_to_first_token_seconds_bucket{{{labels}},le="+Inf"} {{requests:0.0}}
            vllm:time_to_first_token_seconds_count{{{labels}}} {{requests:0.0}}

            """);
        return sb.ToString();
    }
}
