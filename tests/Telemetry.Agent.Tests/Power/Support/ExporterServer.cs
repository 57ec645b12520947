using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Tests.Power.Support;

/// <summary>A real Kestrel on 127.0.0.1 (port chosen by the OS) serving whatever <see cref="Body"/> and <see cref="Status"/> say at /metrics.</summary>
internal sealed class ExporterServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExporterServer(WebApplication app)
    {
        _app = app;
    }

    public string Body { get; set; } = "";

    public int Status { get; set; } = 200;

    /// <summary>Delay before answering, to exercise the scrape timeout.</summary>
    public TimeSpan Delay { get; set; }

    public string MetricsUrl { get; private set; } = "";

    public static async Task<ExporterServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ExporterServer(app);
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            await Task.Delay(server.Delay, ctx.RequestAborted);
            ctx.Response.StatusCode = server.Status;
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            await ctx.Response.WriteAsync(server.Body, ctx.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.MetricsUrl = address + "/metrics";
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
