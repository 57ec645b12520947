using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Tests.Proxy;

/// <summary>
/// An in-process OpenAI/Ollama-shaped server for the proxy's unit tests (the real llama-server is in the
/// end-to-end tests): scripted SSE chunks with a usage chunk only when asked for, Ollama NDJSON, error
/// statuses, and a slow stream that notices when its client (the proxy) goes away.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Bodies of the generation requests received, as bytes became text.</summary>
    public List<string> Bodies { get; } = [];

    public TaskCompletionSource UpstreamCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.ChatAsync);
        app.MapPost("/v1/completions", ctx => Results.Json(new { choices = new[] { new { text = "hello world" } }, usage = new { prompt_tokens = 5, completion_tokens = 2 } }).ExecuteAsync(ctx));
        app.MapPost("/api/generate", OllamaAsync);
        app.MapGet("/v1/models", ctx => ctx.Response.WriteAsync("{\"data\":[{\"id\":\"m\"}]}"));
        app.MapPost("/slow", upstream.SlowAsync);
        app.MapPost("/v1/error", ctx => { ctx.Response.StatusCode = 400; return ctx.Response.WriteAsync("{\"error\":\"bad\"}"); });
        await app.StartAsync();
        upstream.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return upstream;
    }

    private async Task ChatAsync(HttpContext ctx)
    {
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        lock (Bodies)
        {
            Bodies.Add(body);
        }

        if (body.Contains("\"fail\"", StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 429;
            await ctx.Response.WriteAsync("{\"error\":{\"message\":\"busy\"}}");
            return;
        }

        if (body.Contains("\"slow\"", StringComparison.Ordinal))
        {
            await SlowAsync(ctx);
            return;
        }

        if (!body.Contains("\"stream\":true", StringComparison.Ordinal))
        {
            await Results.Json(new { choices = new[] { new { message = new { content = "hi there" } } }, usage = new { prompt_tokens = 7, completion_tokens = 3 } }).ExecuteAsync(ctx);
            return;
        }

        ctx.Response.ContentType = "text/event-stream";
        await ctx.Response.WriteAsync("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n");
        foreach (var piece in new[] { "Once", " upon", " a" })
        {
            await ctx.Response.WriteAsync("data: {\"choices\":[{\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n");
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(20);
        }

        await ctx.Response.WriteAsync("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n");
        if (body.Contains("\"include_usage\":true", StringComparison.Ordinal))
        {
            await ctx.Response.WriteAsync("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,\"total_tokens\":14}}\n\n");
        }

        await ctx.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task OllamaAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "application/x-ndjson";
        await ctx.Response.WriteAsync("{\"response\":\"Hel\",\"done\":false}\n");
        await ctx.Response.Body.FlushAsync();
        await Task.Delay(10);
        await ctx.Response.WriteAsync("{\"response\":\"lo\",\"done\":false}\n");
        await ctx.Response.WriteAsync("{\"response\":\"\",\"done\":true,\"prompt_eval_count\":4,\"eval_count\":2,\"load_duration\":1000000,\"prompt_eval_duration\":2000000,\"eval_duration\":50000000}\n");
    }

    private async Task SlowAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/event-stream";
        try
        {
            for (var i = 0; i < 600; i++) // at most 60 s
            {
                await ctx.Response.WriteAsync("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                await Task.Delay(100, ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            UpstreamCancelled.TrySetResult();
        }
        catch (IOException)
        {
            UpstreamCancelled.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
