using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.EndToEnd.Tests.Sharding;

/// <summary>
/// A loopback "tee" in front of collector shards: each listening port stands for one shard; every
/// <c>POST /v1/reports</c> it receives is forwarded unchanged to that shard and to a reference collector
/// that sees the whole fleet. The agents only know the tee's URLs, so their shard choice is the real one.
/// Answers with the shard's reply; when the reference refused, 503, so the agent keeps the report and
/// retries (both collectors drop the duplicate by agent instance and sequence) — neither side loses one.
/// </summary>
internal sealed class ReportTee : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private long _forwarded;

    /// <param name="shards">Per listening port: the shard collector's base URL.</param>
    public ReportTee(IReadOnlyDictionary<int, string> shards, string reference)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. shards.Keys.Select(p => $"http://127.0.0.1:{p}")]);
        _app = builder.Build();
        _app.MapPost("/v1/reports", async (HttpContext ctx) =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            var body = buffer.ToArray();
            using var toShard = await ForwardAsync(shards[ctx.Connection.LocalPort], ctx.Request, body, ctx.RequestAborted);
            using var toReference = await ForwardAsync(reference, ctx.Request, body, ctx.RequestAborted);
            Interlocked.Increment(ref _forwarded);
            ctx.Response.StatusCode = toReference.IsSuccessStatusCode ? (int)toShard.StatusCode : StatusCodes.Status503ServiceUnavailable;
            await ctx.Response.WriteAsync(await toShard.Content.ReadAsStringAsync(ctx.RequestAborted), ctx.RequestAborted);
        });
    }

    /// <summary>Reports forwarded to both sides so far.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    public Task StartAsync() => _app.StartAsync();

    private async Task<HttpResponseMessage> ForwardAsync(string collector, HttpRequest request, byte[] body, CancellationToken ct)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        if (request.Headers.ContentEncoding.Count > 0)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", request.Headers.ContentEncoding.ToString());
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, collector + "/v1/reports") { Content = content };
        if (request.Headers.Authorization.Count > 0)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Headers.Authorization.ToString());
        }

        try
        {
            return await _http.SendAsync(message, ct);
        }
        catch (HttpRequestException ex)
        {
            return new HttpResponseMessage(System.Net.HttpStatusCode.BadGateway) { Content = new StringContent("tee: " + ex.Message) };
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
