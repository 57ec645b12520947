using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// The machine's ceiling for the load run: Kestrel configured as the collector host configures it,
/// whose <c>POST /v1/reports</c> reads the body and answers 202 — HTTP and nothing else.
/// Started by <see cref="LoadRun"/> as <c>empty-endpoint URL</c> in its own process, like the collector.
/// </summary>
internal static class EmptyEndpoint
{
    public static async Task<int> RunAsync(string listen)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 2 * 1024 * 1024); // the collector host's backstop for its default limit
        var app = builder.Build();
        app.MapPost("/v1/reports", DrainAsync);
        app.MapGet("/healthz", ctx => ctx.Response.WriteAsync("ok\n"));
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task DrainAsync(HttpContext ctx)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        ctx.Response.StatusCode = StatusCodes.Status202Accepted;
    }
}
