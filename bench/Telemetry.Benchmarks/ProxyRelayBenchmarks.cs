using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Telemetry.Agent.Proxy;

namespace Telemetry.Benchmarks;

/// <summary>
/// The metering proxy's per-chunk and per-request relay work (issue 6, item 7), each piece before and after the
/// overhead changes: metering one streamed chunk, one whole 8-token response, and copying headers both ways.
/// The "before" methods are the former code, kept here only as the baseline. Allocations are exact even on a
/// busy machine; times are not.
/// </summary>
[MemoryDiagnoser]
public class ProxyRelayBenchmarks
{
    /// <summary>A llama-server streamed chat chunk as it arrives (SSE <c>data:</c> payload).</summary>
    private readonly byte[] _chunk = Encoding.UTF8.GetBytes(
        "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" the\"}}],\"created\":1764777600,\"id\":\"chatcmpl-Xq3b9T\",\"model\":\"stories260K\",\"system_fingerprint\":\"b7218-0f4a1c\",\"object\":\"chat.completion.chunk\"}");

    private readonly byte[] _usage = Encoding.UTF8.GetBytes(
        "{\"choices\":[],\"created\":1764777600,\"id\":\"chatcmpl-Xq3b9T\",\"model\":\"stories260K\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":8,\"prompt_tokens\":12,\"total_tokens\":20}}");

    private readonly HeaderDictionary _clientHeaders = new()
    {
        ["Host"] = "127.0.0.1:8081",
        ["Content-Type"] = "application/json",
        ["Content-Length"] = "120",
        ["Authorization"] = "Bearer sk-alpha-secret",
        ["Accept"] = "text/event-stream",
        ["User-Agent"] = "OpenAI/Python 1.54.0",
        ["X-Request-Id"] = "7f0c2a",
    };

    /// <summary>llama-server's streamed response headers; static: shared by every run, never disposed before exit.</summary>
    private static readonly HttpResponseMessage Upstream = LlamaServerResponse();

    private static HttpResponseMessage LlamaServerResponse()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.TryAddWithoutValidation("Server", "llama.cpp");
        response.Headers.TryAddWithoutValidation("Access-Control-Allow-Origin", "");
        response.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5, max=100");
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/event-stream");
        return response;
    }

    [Benchmark(Baseline = true, Description = "meter 1 chunk: JsonDocument + strings (before)")]
    public long MeterChunkDocument() => DocumentReading(_chunk);

    [Benchmark(Description = "meter 1 chunk: Utf8JsonReader scan (now)")]
    public long MeterChunkScan() => ChunkScanner.TryScan(_chunk, ollama: false, out var facts) ? facts.ContentChars : -1;

    [Benchmark(Description = "meter a whole 8-token stream + usage, Finish (now)")]
    public long MeterResponse()
    {
        var t = Stopwatch.GetTimestamp();
        var meter = new ResponseMeter(InferenceApi.OpenAiChat, t);
        for (var i = 0; i < 8; i++)
        {
            meter.Observe(_chunk, t + (i * 1000));
        }

        meter.Observe(_usage, t + 9000);
        return meter.Finish("m", new Attribution("t", "", "u"), "success", streamed: true, t + 10_000).OutputTokens;
    }

    [Benchmark(Description = "request headers to upstream (before)")]
    public int UpstreamHeadersBefore()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8080/v1/chat/completions");
        foreach (var (name, values) in _clientHeaders)
        {
            if (name is "Host" or "Content-Length")
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return message.Headers.NonValidated.Count;
    }

    [Benchmark(Description = "request headers to upstream (now)")]
    public int UpstreamHeadersNow()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8080/v1/chat/completions");
        UpstreamHeaders.CopyToUpstream(_clientHeaders, message, bodyChanged: true);
        return message.Headers.NonValidated.Count;
    }

#pragma warning disable CA1822 // BenchmarkDotNet requires instance methods; these read only the shared response
    [Benchmark(Description = "response headers to client (before)")]
    public int ClientHeadersBefore()
    {
        var response = new DefaultHttpContext().Response;
        foreach (var (name, values) in Upstream.Headers)
        {
            if (name != "Keep-Alive")
            {
                response.Headers[name] = new StringValues([.. values]);
            }
        }

        foreach (var (name, values) in Upstream.Content.Headers)
        {
            response.Headers[name] = new StringValues([.. values]);
        }

        return response.Headers.Count;
    }

    [Benchmark(Description = "response headers to client (now)")]
    public int ClientHeadersNow()
    {
        var response = new DefaultHttpContext().Response;
        UpstreamHeaders.CopyToClient(Upstream, response, bodyMayChange: true);
        return response.Headers.Count;
    }

#pragma warning restore CA1822

    /// <summary>The meter's former reading of a chunk: a JsonDocument, and each content string materialized to measure it.</summary>
    private static long DocumentReading(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        if (!JsonDocument.TryParseValue(ref reader, out var doc))
        {
            return -1;
        }

        using (doc)
        {
            long chars = 0;
            if (doc.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
                        && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    {
                        chars += content.GetString()!.Length;
                    }
                }
            }

            return chars;
        }
    }
}
