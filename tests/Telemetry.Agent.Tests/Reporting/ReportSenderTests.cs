using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Reporting;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Reporting;

/// <summary>The sender against a scriptable collector on real Kestrel (loopback).</summary>
public sealed class ReportSenderTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<ulong> _accepted = new();
    private readonly ConcurrentQueue<string?> _authorization = new();
    private readonly ConcurrentQueue<NodeReport> _received = new();
    private WebApplication? _app;
    private Uri? _url;

    /// <summary>Status the fake collector answers with for a sequence number (202 by default).</summary>
    private Func<ulong, int> _status = _ => 202;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/reports", async (HttpContext ctx) =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            var report = NodeReport.Parser.ParseFrom(ms.ToArray());
            _received.Enqueue(report);
            _authorization.Enqueue(ctx.Request.Headers.Authorization.ToString());
            var status = _status(report.Sequence);
            if (status == 202)
            {
                _accepted.Enqueue(report.Sequence);
            }

            if (status == 429)
            {
                ctx.Response.Headers.RetryAfter = "1";
            }

            ctx.Response.StatusCode = status;
        });
        await _app.StartAsync();
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync() => await _app!.DisposeAsync();

    private static NodeReport Report(ulong seq) => new() { AgentInstanceId = "i", Sequence = seq, Node = "n", SampleTimeUnixMs = 1000 + (long)seq };

    private async Task<(ReportBacklog Backlog, ReportSender Sender)> RunUntil(Func<ReportBacklog, bool> done, Action<ReportBacklog> fill, string token = "")
    {
        using var http = new HttpClient();
        var backlog = new ReportBacklog(100); // disposed by the caller's test
        fill(backlog);
        var sender = new ReportSender(http, _url!, token, backlog, NullLogger.Instance, TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = sender.RunAsync(cts.Token);
        while (!done(backlog) && !cts.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();
        await run;
        return (backlog, sender);
    }

    [Fact]
    public async Task Reports_are_sent_in_order_with_the_bearer_token()
    {
        var (backlog, sender) = await RunUntil(b => b.Count == 0, b =>
        {
            for (ulong s = 1; s <= 5; s++)
            {
                b.Add(Report(s));
            }
        }, token: "secret-token-1234567");
        Assert.Equal([1UL, 2, 3, 4, 5], _accepted.ToArray());
        Assert.All(_authorization, a => Assert.Equal("Bearer secret-token-1234567", a));
        Assert.Equal(5, sender.Sent);
    }

    [Fact]
    public async Task A_collector_outage_keeps_reports_and_replays_them_in_order()
    {
        var down = true;
        _status = _ => down ? 503 : 202;
        var fill = Task.Run(async () =>
        {
            await Task.Delay(700);
            down = false;
        });
        await RunUntil(b => b.Count == 0 && !down, b =>
        {
            for (ulong s = 1; s <= 4; s++)
            {
                b.Add(Report(s));
            }
        });
        await fill;
        Assert.Equal([1UL, 2, 3, 4], _accepted.ToArray());
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_and_nothing_is_lost()
    {
        var refusals = 0;
        var refusedAt = DateTime.MinValue;
        var retriedAt = DateTime.MinValue;
        _status = seq =>
        {
            if (seq == 2 && Interlocked.Increment(ref refusals) == 1)
            {
                refusedAt = DateTime.UtcNow;
                return 429; // the fake collector sends Retry-After: 1
            }

            if (seq == 2)
            {
                retriedAt = DateTime.UtcNow;
            }

            return 202;
        };
        var (_, sender) = await RunUntil(b => b.Count == 0, b =>
        {
            for (ulong s = 1; s <= 3; s++)
            {
                b.Add(Report(s));
            }
        });
        Assert.Equal([1UL, 2, 3], _accepted.ToArray());
        Assert.Equal(2, refusals);
        Assert.Equal(0, sender.Refused);
        // Retry-After (1 s), not the 250 ms minimum backoff; generous slack below for a coarse clock.
        Assert.True(retriedAt - refusedAt >= TimeSpan.FromMilliseconds(900), $"retried after {(retriedAt - refusedAt).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_report_refused_as_malformed_is_dropped_and_the_rest_go_through()
    {
        _status = seq => seq == 2 ? 400 : 202;
        var (_, sender) = await RunUntil(b => b.Count == 0, b =>
        {
            for (ulong s = 1; s <= 3; s++)
            {
                b.Add(Report(s));
            }
        });
        Assert.Equal([1UL, 3], _accepted.ToArray());
        Assert.Equal(1, sender.Refused);
    }

    [Fact]
    public async Task A_refused_token_is_retried_not_dropped()
    {
        var attempts = 0;
        _status = _ => Interlocked.Increment(ref attempts) <= 3 ? 401 : 202;
        await RunUntil(b => b.Count == 0, b => b.Add(Report(1)));
        Assert.Equal([1UL], _accepted.ToArray());
        Assert.True(attempts >= 4);
    }

    [Fact]
    public async Task Each_attempt_carries_its_send_time_and_the_agents_health_on_top_of_the_queued_report()
    {
        var attempts = 0;
        _status = _ => Interlocked.Increment(ref attempts) <= 2 ? 503 : 202;
        var sample = Report(1);
        sample.Site = "edge";
        await RunUntil(b => b.Count == 0, b =>
        {
            b.Add(sample);
            b.Add(Report(2));
        });

        var copies = _received.Where(r => r.Sequence == 1).ToList();
        Assert.Equal(3, copies.Count);
        Assert.All(copies, c => Assert.Equal("edge", c.Site)); // the queued bytes, intact
        Assert.All(copies, c => Assert.True(c.SentTimeUnixMs > 1_600_000_000_000, $"sent time {c.SentTimeUnixMs}"));
        Assert.All(copies, c => Assert.Equal(2UL, c.AgentHealth.BacklogReports)); // both reports waited while 1 was retried
        Assert.Equal(1UL, _received.Single(r => r.Sequence == 2).AgentHealth.BacklogReports);
    }

    [Fact]
    public async Task A_full_backlog_drops_the_oldest_and_counts_it()
    {
        using var backlog = new ReportBacklog(3);
        for (ulong s = 1; s <= 5; s++)
        {
            backlog.Add(Report(s));
        }

        Assert.Equal(3, backlog.Count);
        Assert.Equal(2, backlog.Dropped);
        Assert.Equal(3UL, (await backlog.PeekOldestAsync(default)).Sequence);
    }

    [Fact]
    public async Task An_unreachable_collector_leaves_the_backlog_intact()
    {
        using var http = new HttpClient();
        using var backlog = new ReportBacklog(10);
        backlog.Add(Report(1));
        backlog.Add(Report(2));
        var dead = new Uri($"http://127.0.0.1:{FreePort()}");
        var sender = new ReportSender(http, dead, "", backlog, NullLogger.Instance, TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        await sender.RunAsync(cts.Token);
        Assert.Equal(2, backlog.Count);
        Assert.Equal(0, sender.Sent);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
