using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A bounded load of real OpenAI-style completions against llama-server — completions and chat,
/// plain and streamed (with <c>stream_options.include_usage</c>) — summing the <c>usage</c> each
/// response reported. Two requests at a time (one per slot); every request is awaited.
/// </summary>
internal static class LlamaServerLoad
{
    private static readonly string[] Prompts =
    [
        "Once upon a time",
        "Once upon a time there was a little girl named Lily",
        "The dog ran to the park and",
        "Tom and Sue went to the",
        "Once upon a time", // a repeated prompt: llama.cpp serves it from its prompt cache
    ];

    public sealed record Usage(int Requests, long PromptTokens, long CompletionTokens, long CachedTokens);

    public static async Task<Usage> RunAsync(string baseUrl, int requests)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        long prompt = 0, completion = 0, cached = 0;
        for (var i = 0; i < requests; i += 2)
        {
            var batch = Enumerable.Range(i, Math.Min(2, requests - i)).Select(n => OneAsync(http, n));
            foreach (var (p, c, k) in await Task.WhenAll(batch))
            {
                prompt += p;
                completion += c;
                cached += k;
            }
        }

        return new Usage(requests, prompt, completion, cached);
    }

    private static async Task<(long Prompt, long Completion, long Cached)> OneAsync(HttpClient http, int n)
    {
        var text = Prompts[n % Prompts.Length];
        var maxTokens = 16 + (n * 7 % 48); // 16…63 tokens; with the prompt well under the 128-token context
        var chat = n % 2 == 1;
        var stream = n % 3 != 0;
        var body = new JsonObject
        {
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0.8,
            ["stream"] = stream,
        };
        if (chat)
        {
            body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text });
        }
        else
        {
            body["prompt"] = text;
        }

        if (stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        using var response = await http.PostAsJsonAsync(chat ? "/v1/chat/completions" : "/v1/completions", body);
        var payload = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new Xunit.Sdk.XunitException($"request {n} failed: HTTP {(int)response.StatusCode}: {payload}");
        }

        var usage = stream ? UsageOfStream(payload, n) : JsonNode.Parse(payload)?["usage"];
        if (usage is null)
        {
            throw new Xunit.Sdk.XunitException($"request {n} reported no usage: {payload}");
        }

        var promptTokens = usage["prompt_tokens"]!.GetValue<long>();
        var completionTokens = usage["completion_tokens"]!.GetValue<long>();
        if (promptTokens + maxTokens > LlamaServerProcess.ContextPerSlot || completionTokens <= 0 || completionTokens > maxTokens)
        {
            throw new Xunit.Sdk.XunitException($"request {n}: usage {usage.ToJsonString()} outside the bounds this load promises (max_tokens {maxTokens})");
        }

        return (promptTokens, completionTokens, usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<long>() ?? 0);
    }

    /// <summary>The <c>usage</c> of the event stream's last data chunk before <c>[DONE]</c> (the one with empty <c>choices</c>).</summary>
    private static JsonNode? UsageOfStream(string events, int n)
    {
        JsonNode? usage = null;
        var done = false;
        foreach (var line in events.Split('\n'))
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line["data: ".Length..].Trim();
            if (data == "[DONE]")
            {
                done = true;
                break;
            }

            if (JsonNode.Parse(data)?["usage"] is { } u && u.GetValueKind() == JsonValueKind.Object)
            {
                usage = u;
            }
        }

        return done ? usage : throw new Xunit.Sdk.XunitException($"stream {n} ended without [DONE]:\n{Truncate(events)}");
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : new StringBuilder(s, 0, 2000, 2001).Append('…').ToString();
}
