using System.Diagnostics;
using System.Text.Json;

namespace Telemetry.Agent.Proxy;

/// <summary>
/// Watches one response go by: when the first and last content arrived, how many content chunks, and
/// the usage upstream reported (OpenAI <c>usage</c>; Ollama's counts and nanosecond durations,
/// converted to seconds here, once). Turns that into a <see cref="RequestRecord"/>. One per request.
/// </summary>
public sealed class ResponseMeter(InferenceApi api, long startTimestamp)
{
    private long _firstContent;
    private long _lastContent;
    private long _contentChunks;
    private long _contentChars;
    private long? _promptTokens;
    private long? _completionTokens;
    private double? _ollamaTtftSeconds;
    private double? _ollamaTpotSeconds;
    private List<long>? _gapTicks;

    /// <summary>Inter-chunk gaps kept per request: 64 Ki doubles (512 KiB) bound a runaway stream; later gaps are not kept.</summary>
    public const int MaxGapsPerRequest = 1 << 16;

    public bool HasUsage => _completionTokens is not null;

    /// <summary>Inspects one JSON payload (an SSE <c>data:</c>, an NDJSON line, or a whole body).
    /// Returns true when it is a usage-only chunk (<c>"choices": []</c> with <c>usage</c>).</summary>
    public bool Observe(ReadOnlySpan<byte> json, long timestamp)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return false;
            }

            doc = parsed;
        }
        catch (JsonException)
        {
            return false; // not JSON: relayed as is, counted by nothing
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            return api.IsOllama() ? ObserveOllama(root, timestamp) : ObserveOpenAi(root, timestamp);
        }
    }

    private bool ObserveOpenAi(JsonElement root, long timestamp)
    {
        var emptyChoices = false;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            emptyChoices = choices.GetArrayLength() == 0;
            foreach (var choice in choices.EnumerateArray())
            {
                var text = choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object ? Text(delta, "content")
                    : choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? Text(message, "content")
                    : Text(choice, "text");
                Content(text, timestamp);
            }
        }

        var hasUsage = false;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            hasUsage = true;
            _promptTokens = Integer(usage, "prompt_tokens") ?? _promptTokens;
            _completionTokens = Integer(usage, "completion_tokens") ?? _completionTokens;
        }

        return emptyChoices && hasUsage;
    }

    private bool ObserveOllama(JsonElement root, long timestamp)
    {
        var text = root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? Text(message, "content") : Text(root, "response");
        Content(text, timestamp);
        if (root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True)
        {
            _promptTokens = Integer(root, "prompt_eval_count") ?? 0;
            _completionTokens = Integer(root, "eval_count") ?? 0;
            const double SecondsPerNanosecond = 1e-9; // Ollama reports every duration in ns
            var load = Integer(root, "load_duration") ?? 0;
            if (Integer(root, "prompt_eval_duration") is { } prompt)
            {
                _ollamaTtftSeconds = (load + prompt) * SecondsPerNanosecond;
            }

            if (Integer(root, "eval_duration") is { } eval && _completionTokens > 0)
            {
                _ollamaTpotSeconds = eval * SecondsPerNanosecond / _completionTokens;
            }
        }

        return false;
    }

    private void Content(string text, long timestamp)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (_contentChunks == 0)
        {
            _firstContent = timestamp;
        }
        else if ((_gapTicks ??= new List<long>(64)).Count < MaxGapsPerRequest)
        {
            _gapTicks.Add(timestamp - _lastContent); // Stopwatch ticks: converted once, in Finish
        }

        _lastContent = timestamp;
        _contentChunks++;
        _contentChars += text.Length;
    }

    /// <summary>The record of this request. <paramref name="streamed"/>: content chunks were timed as they arrived.</summary>
    public RequestRecord Finish(string model, Attribution who, string outcome, bool streamed, long endTimestamp)
    {
        var e2e = Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalSeconds;
        var estimated = _completionTokens is null;
        var output = _completionTokens ?? (streamed ? _contentChunks : (_contentChars + 3) / 4);
        double? ttft = null, tpot = null;
        if (streamed && _contentChunks > 0)
        {
            ttft = Stopwatch.GetElapsedTime(startTimestamp, _firstContent).TotalSeconds;
            if (output > 1)
            {
                // (last content − first content) / (n − 1): the decode rate the client saw, n from usage.
                tpot = Stopwatch.GetElapsedTime(_firstContent, _lastContent).TotalSeconds / (output - 1);
            }
        }
        else if (_ollamaTtftSeconds is not null)
        {
            ttft = _ollamaTtftSeconds;
        }

        tpot ??= _ollamaTpotSeconds;
        return new RequestRecord
        {
            Model = model,
            Who = who,
            Outcome = outcome,
            InputTokens = _promptTokens ?? 0,
            OutputTokens = output,
            Estimated = estimated && outcome != Telemetry.Scraping.Engines.RequestOutcomes.Error,
            TtftSeconds = ttft,
            TpotSeconds = tpot,
            ChunkGapsSeconds = streamed && tpot is not null && output == _contentChunks ? GapsSeconds() : null,
            E2eSeconds = e2e,
        };
    }

    /// <summary>The gaps between consecutive content chunks in seconds; only when one chunk carried one token (see RequestRecord).</summary>
    private double[]? GapsSeconds()
    {
        if (_gapTicks is not { Count: > 0 } ticks)
        {
            return null;
        }

        var seconds = new double[ticks.Count];
        for (var i = 0; i < seconds.Length; i++)
        {
            seconds[i] = ticks[i] / (double)Stopwatch.Frequency;
        }

        return seconds;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static long? Integer(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 ? n : null;
}
