using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Otlp;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Otlp;

/// <summary>
/// The collector host as collector/Program.cs composes it — service, Kestrel on 127.0.0.1, the
/// optional OTLP push — with a logger that keeps what the push logs.
/// </summary>
internal sealed class CollectorUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CollectorUnderTest(WebApplication app, CollectorService service, OtlpPush? push, HttpClient http, RecordingLogger log)
    {
        _app = app;
        Service = service;
        Push = push;
        Http = http;
        Log = log;
    }

    public CollectorService Service { get; }
    public OtlpPush? Push { get; }
    public HttpClient Http { get; }
    public RecordingLogger Log { get; }

    public static async Task<CollectorUnderTest> StartAsync(CollectorOptions options, TimeProvider? time = null)
    {
        Assert.Empty(CollectorOptionsValidator.Validate(options));
        var service = new CollectorService(options, time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapCollector(service, NullLogger.Instance);
        await app.StartAsync();
        var log = new RecordingLogger();
        var push = OtlpPush.Start(service, log);
        return new CollectorUnderTest(app, service, push, new HttpClient { BaseAddress = new Uri(app.Urls.First()) }, log);
    }

    public async Task PostAsync(NodeReport report)
    {
        var content = new ByteArrayContent(report.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await Http.PostAsync("/v1/reports", content);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.DisposeAsync();
        Push?.Dispose();
        Service.Dispose();
    }
}

/// <summary>Keeps every log line (level and rendered message) for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>A clock that stands still, so /api/v1/kpis and a push computed moments apart see the same windows.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
