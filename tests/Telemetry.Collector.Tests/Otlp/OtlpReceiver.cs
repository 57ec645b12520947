using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Metrics.V1;

namespace Telemetry.Collector.Tests.Otlp;

/// <summary>
/// A minimal OTLP metrics receiver on real Kestrel (127.0.0.1): OTLP/HTTP <c>POST /v1/metrics</c> on
/// one port and OTLP/gRPC <c>MetricsService/Export</c> (HTTP/2 without TLS) on another. Each request
/// is decoded with the vendored opentelemetry-proto messages and kept with its headers.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private const string GrpcPath = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private OtlpReceiver(WebApplication app) => _app = app;

    public sealed record Received(string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, ExportMetricsServiceRequest Body);

    public Uri HttpUrl { get; private set; } = null!;
    public Uri GrpcUrl { get; private set; } = null!;
    public IReadOnlyCollection<Received> Requests => _requests;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", receiver.HttpAsync);
        app.MapPost(GrpcPath, receiver.GrpcAsync);
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u)).ToList();
        receiver.HttpUrl = addresses[0];
        receiver.GrpcUrl = addresses[1];
        return receiver;
    }

    /// <summary>Waits (bounded) for the next request; false if none came in time.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout) => _arrived.WaitAsync(timeout);

    private async Task HttpAsync(HttpContext ctx)
    {
        var body = await ReadAsync(ctx.Request.Body);
        Keep(ctx, ExportMetricsServiceRequest.Parser.ParseFrom(body));
        ctx.Response.ContentType = "application/x-protobuf";
        await ctx.Response.Body.WriteAsync(new ExportMetricsServiceResponse().ToByteArray());
    }

    /// <summary>gRPC framing (grpc/doc/PROTOCOL-HTTP2.md): 1 byte compressed flag, 4 bytes big-endian length, message.</summary>
    private async Task GrpcAsync(HttpContext ctx)
    {
        var body = await ReadAsync(ctx.Request.Body);
        if (body.Length < 5 || body[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) != body.Length - 5)
        {
            throw new InvalidDataException($"not an uncompressed gRPC message frame ({body.Length} bytes)");
        }

        Keep(ctx, ExportMetricsServiceRequest.Parser.ParseFrom(body.AsSpan(5)));
        var reply = new ExportMetricsServiceResponse().ToByteArray();
        var frame = new byte[5 + reply.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)reply.Length);
        reply.CopyTo(frame, 5);
        ctx.Response.ContentType = "application/grpc";
        await ctx.Response.Body.WriteAsync(frame);
        ctx.Response.AppendTrailer("grpc-status", "0");
    }

    private void Keep(HttpContext ctx, ExportMetricsServiceRequest request)
    {
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new Received(ctx.Request.Path, ctx.Request.ContentType ?? "", headers, request));
        _arrived.Release();
    }

    private static async Task<byte[]> ReadAsync(Stream body)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
