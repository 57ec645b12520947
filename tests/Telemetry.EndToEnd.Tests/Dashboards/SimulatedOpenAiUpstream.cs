using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// The OpenAI-compatible server behind the simulated fleet's metering proxies (Kestrel on loopback): answers
/// <c>POST /v1/chat/completions</c> at once, not streamed, with <c>usage</c> of <see cref="PromptTokens"/> prompt
/// tokens and <c>max_tokens</c> completion tokens, so the proxied token counts are known and cheap to make.
/// Not a model: the simulated engine stays the source of the servers' own token totals.
/// </summary>
internal sealed class SimulatedOpenAiUpstream : IAsyncDisposable
{
    public const int PromptTokens = 40;

    private readonly WebApplication _app;

    private SimulatedOpenAiUpstream(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static SimulatedOpenAiUpstream Start()
    {
        var baseUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(baseUrl);
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async ctx =>
        {
            var body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            var completion = body?["max_tokens"]?.GetValue<int>() ?? 16;
            var answer = new JsonObject
            {
                ["id"] = "chatcmpl-sim",
                ["object"] = "chat.completion",
                ["model"] = body?["model"]?.GetValue<string>() ?? "",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "simulated" },
                    ["finish_reason"] = "length",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = completion, ["total_tokens"] = PromptTokens + completion },
            };
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer.ToJsonString(), ctx.RequestAborted);
        });
        app.StartAsync().GetAwaiter().GetResult();
        return new SimulatedOpenAiUpstream(app, baseUrl);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
