using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Ingest;

namespace Telemetry.Collector.Tests.Hosting;

/// <summary>Rate limits, the overload guard, read tokens and the gzip bomb on real Kestrel (loopback).</summary>
public sealed class SecurityHttpTests
{
    private const string IngestToken = "ingest-token-node-a-0123";
    private const string ReadToken = "read-token-prometheus-0123";

    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Collector(WebApplication app, CollectorService service, HttpClient http)
        {
            _app = app;
            Service = service;
            Http = http;
        }

        public CollectorService Service { get; }

        public HttpClient Http { get; }

        public static async Task<Collector> StartAsync(Action<CollectorOptions> configure)
        {
            var options = new CollectorOptions
            {
                Windows = ["1m"],
                MaxReportBytes = 64 * 1024,
                Auth = new AuthOptions { Tokens = [new IngestTokenOptions { Token = IngestToken, Nodes = ["a"] }] },
            };
            configure(options);
            Assert.Empty(CollectorOptionsValidator.Validate(options));
            var service = new CollectorService(options);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapCollector(service, NullLogger.Instance);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Collector(app, service, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
        }

        public Task<HttpResponseMessage> PostAsync(HttpContent content, string token = IngestToken)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports") { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return Http.SendAsync(request);
        }

        public Task<HttpResponseMessage> GetAsync(string path, string? token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return Http.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.DisposeAsync();
            Service.Dispose();
        }
    }

    private static ByteArrayContent Report(Reports reports, long ms) => new(reports.Next(ms, 1, 1, 1).ToByteArray());

    [Fact]
    public async Task A_node_over_its_rate_gets_429_with_retry_after_and_is_counted()
    {
        await using var c = await Collector.StartAsync(o => o.RateLimit = new RateLimitOptions { ReportsPerSecond = 0.5, Burst = 2 });
        var reports = new Reports(node: "a");
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync(Report(reports, ms))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync(Report(reports, ms + 1000))).StatusCode);

        var refused = await c.PostAsync(Report(reports, ms + 2000));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1, 1, 2); // one token at 0.5/s: up to 2 s
        Assert.Contains("rate limit", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, c.Service.Stats.Accepted);
        Assert.Equal(1, c.Service.Stats.Rejected(RejectReason.RateLimited));

        var metrics = await (await c.GetAsync("/metrics", null)).Content.ReadAsStringAsync();
        Assert.Contains("inference_collector_reports_rejected_total{reason=\"rate_limited\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_does_not_spend_the_nodes_budget()
    {
        await using var c = await Collector.StartAsync(o =>
        {
            o.RateLimit = new RateLimitOptions { ReportsPerSecond = 0.01, Burst = 1 };
            o.Auth.Tokens.Add(new IngestTokenOptions { Token = "ingest-token-node-b-4567", Nodes = ["b"] });
        });
        var reports = new Reports(node: "a");
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Node b's token tries to report as a: 403, and a's single token stays for a.
        Assert.Equal(HttpStatusCode.Forbidden, (await c.PostAsync(Report(reports, ms), "ingest-token-node-b-4567")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync(Report(reports, ms + 1000))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await c.PostAsync(Report(reports, ms + 2000))).StatusCode);
    }

    /// <summary>A request body that sends its first bytes, then waits until the test lets it finish.</summary>
    private sealed class HeldContent(byte[] body, TaskCompletionSource release, TaskCompletionSource started) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, 1));
            await stream.FlushAsync();
            started.TrySetResult();
            await release.Task;
            await stream.WriteAsync(body.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    [Fact]
    public async Task Over_max_in_flight_a_report_gets_429_before_its_body_is_read_and_nothing_is_lost()
    {
        await using var c = await Collector.StartAsync(o => o.RateLimit = new RateLimitOptions { MaxInFlight = 1 });
        var reports = new Reports(node: "a");
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = c.PostAsync(new HeldContent(reports.Next(ms, 1, 1, 1).ToByteArray(), release, started));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Poll(() => c.Service.Gate.InFlight == 1);

        var second = reports.Next(ms + 1000, 1, 1, 1).ToByteArray();
        var refused = await c.PostAsync(new ByteArrayContent(second));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(1, c.Service.Stats.Rejected(RejectReason.Overloaded));

        release.SetResult();
        Assert.Equal(HttpStatusCode.Accepted, (await held).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync(new ByteArrayContent(second))).StatusCode); // the retry
        Assert.Equal(2, c.Service.Stats.Accepted);
        Assert.Equal(0, c.Service.Gate.InFlight);
    }

    private static async Task Poll(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not met within 10 s");
    }

    [Fact]
    public async Task A_gzip_bomb_over_http_is_413_and_the_collector_keeps_serving()
    {
        await using var c = await Collector.StartAsync(_ => { });
        using var packed = new MemoryStream();
        await using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[64 * 1024];
            for (var i = 0; i < 1024; i++)
            {
                await gzip.WriteAsync(zeros); // 64 MiB of zeros: ~64 KiB packed, under the body limit
            }
        }

        Assert.True(packed.Length < 64 * 1024, $"bomb is {packed.Length} bytes packed");
        var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        var response = await c.PostAsync(content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("decompressed body is over the limit", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, c.Service.Stats.Rejected(RejectReason.TooLarge));

        var reports = new Reports(node: "a");
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync(Report(reports, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))).StatusCode);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/kpis")]
    [InlineData("/api/v1/nodes")]
    public async Task With_read_tokens_reads_need_one(string path)
    {
        await using var c = await Collector.StartAsync(o => o.Auth.ReadTokens = [ReadToken]);
        var none = await c.GetAsync(path, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Collector:Auth:ReadTokens", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync(path, IngestToken)).StatusCode); // an ingest token is not a read token
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync(path, ReadToken + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync(path, ReadToken)).StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/")]
    public async Task Health_and_the_status_page_stay_open(string path)
    {
        await using var c = await Collector.StartAsync(o => o.Auth.ReadTokens = [ReadToken]);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync(path, null)).StatusCode);
    }

    [Fact]
    public async Task The_status_page_explains_a_401_from_its_api()
    {
        await using var c = await Collector.StartAsync(o => o.Auth.ReadTokens = [ReadToken]);
        var html = await (await c.GetAsync("/", null)).Content.ReadAsStringAsync();
        Assert.Contains("r.status === 401", html, StringComparison.Ordinal);
        Assert.Contains("requires a read token (Collector:Auth:ReadTokens)", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_read_tokens_reads_are_open()
    {
        await using var c = await Collector.StartAsync(_ => { });
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/metrics", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/api/v1/kpis", null)).StatusCode);
    }
}
