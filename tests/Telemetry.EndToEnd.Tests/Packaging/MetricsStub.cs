using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>A Kestrel server on loopback answering <c>/metrics</c> with a fixed Prometheus text payload.</summary>
internal sealed class MetricsStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsStub(WebApplication app, string url)
    {
        _app = app;
        MetricsUrl = url;
    }

    public string MetricsUrl { get; }

    public static async Task<MetricsStub> StartAsync(string payload)
    {
        var port = RepoPaths.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/metrics", (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return ctx.Response.WriteAsync(payload);
        });
        await app.StartAsync();
        return new MetricsStub(app, $"http://127.0.0.1:{port}/metrics");
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
