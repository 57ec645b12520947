using System.Diagnostics;

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
        var ollama = api.IsOllama();
        if (!ChunkScanner.TryScan(json, ollama, out var facts))
        {
            return false; // not one JSON object: relayed as is, counted by nothing
        }

        for (var i = 0; i < facts.ContentPieces; i++)
        {
            Content(i == 0 ? facts.ContentChars : 0, timestamp); // several choices in one chunk arrive together
        }

        if (!ollama)
        {
            if (facts.HasUsage)
            {
                _promptTokens = facts.PromptTokens ?? _promptTokens;
                _completionTokens = facts.CompletionTokens ?? _completionTokens;
            }

            return facts.EmptyChoices && facts.HasUsage;
        }

        if (facts.Done)
        {
            _promptTokens = facts.PromptTokens ?? 0;
            _completionTokens = facts.CompletionTokens ?? 0;
            const double SecondsPerNanosecond = 1e-9; // Ollama reports every duration in ns
            var load = facts.LoadNanoseconds ?? 0;
            if (facts.PromptEvalNanoseconds is { } prompt)
            {
                _ollamaTtftSeconds = (load + prompt) * SecondsPerNanosecond;
            }

            if (facts.EvalNanoseconds is { } eval && _completionTokens > 0)
            {
                _ollamaTpotSeconds = eval * SecondsPerNanosecond / _completionTokens;
            }
        }

        return false;
    }

    private void Content(long chars, long timestamp)
    {
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
        _contentChars += chars;
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
}
