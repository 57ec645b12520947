using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A bounded mixed load through the metering proxy: chat and completions, streamed and not, streams with
/// and without <c>stream_options.include_usage</c>, two API keys, <see cref="Concurrency"/> clients at once.
/// Checks each response the way a client would: the stream it asked for, no usage chunk it did not ask for.
/// </summary>
internal static class ProxyLoad
{
    public const int Concurrency = 4;

    public static readonly string[] ApiKeys = ["sk-alpha-secret", "sk-beta-secret"];

    public sealed record Result(int Requests, int StreamsWithoutUsage, List<string> Problems);

    public static async Task<Result> RunAsync(string proxyUrl, int requests)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxyUrl), Timeout = TimeSpan.FromSeconds(60) };
        var problems = new List<string>();
        var withoutUsage = 0;
        for (var i = 0; i < requests; i += Concurrency)
        {
            var batch = Enumerable.Range(i, Math.Min(Concurrency, requests - i)).Select(n => OneAsync(http, n));
            foreach (var (problem, noUsage) in await Task.WhenAll(batch))
            {
                if (problem is not null)
                {
                    problems.Add(problem);
                }

                withoutUsage += noUsage ? 1 : 0;
            }
        }

        return new Result(requests, withoutUsage, problems);
    }

    private static async Task<(string? Problem, bool StreamWithoutUsage)> OneAsync(HttpClient http, int n)
    {
        var chat = n % 2 == 1;
        var stream = n % 3 != 0;
        var askUsage = stream && n % 4 == 0;
        var body = new JsonObject { ["max_tokens"] = 12 + (n * 5 % 40), ["temperature"] = 0.8, ["stream"] = stream };
        if (askUsage)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (chat)
        {
            body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" });
        }
        else
        {
            body["prompt"] = "The dog ran to the park and";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, chat ? "/v1/chat/completions" : "/v1/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKeys[n % ApiKeys.Length]);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return ($"request {n}: status {(int)response.StatusCode}: {text}", false);
        }

        if (stream && !text.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal))
        {
            return ($"request {n}: stream does not end with [DONE]: {text}", false);
        }

        // llama.cpp puts usage into the last completions chunk even unasked; what it sends only when asked
        // is the usage-only chunk ("choices": []), which the proxy must remove when it asked in the client's place.
        var usageOnlyChunk = text.Contains("\"choices\":[]", StringComparison.Ordinal);
        if (stream && chat && usageOnlyChunk != askUsage)
        {
            return ($"request {n}: asked for usage {askUsage}, stream has a usage-only chunk {usageOnlyChunk}", false);
        }

        if (stream && !chat && usageOnlyChunk && !askUsage)
        {
            return ($"request {n}: a usage-only chunk the client did not ask for", false);
        }

        return (null, stream && !askUsage);
    }
}
