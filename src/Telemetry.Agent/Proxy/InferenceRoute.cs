using Microsoft.AspNetCore.Http;

namespace Telemetry.Agent.Proxy;

/// <summary>The APIs the proxy meters; everything else passes through untouched and unmeasured.</summary>
public enum InferenceApi
{
    PassThrough,
    OpenAiChat,
    OpenAiCompletion,
    OllamaChat,
    OllamaGenerate,
}

public static class InferenceRoute
{
    /// <summary>Only POSTs to the four generation paths are metered (exact path, no prefix games).</summary>
    public static InferenceApi Classify(string method, string? path)
    {
        if (!HttpMethods.IsPost(method))
        {
            return InferenceApi.PassThrough;
        }

        return path switch
        {
            "/v1/chat/completions" => InferenceApi.OpenAiChat,
            "/v1/completions" => InferenceApi.OpenAiCompletion,
            "/api/chat" => InferenceApi.OllamaChat,
            "/api/generate" => InferenceApi.OllamaGenerate,
            _ => InferenceApi.PassThrough,
        };
    }

    public static bool IsOllama(this InferenceApi api) => api is InferenceApi.OllamaChat or InferenceApi.OllamaGenerate;

    public static bool IsMetered(this InferenceApi api) => api != InferenceApi.PassThrough;
}
