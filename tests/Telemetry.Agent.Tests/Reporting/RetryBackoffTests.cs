using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Reporting;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Min = ReportSender.MinBackoff;
    private static readonly TimeSpan Max = ReportSender.MaxBackoff;

    [Fact]
    public void Waits_stay_between_min_and_the_cap_grow_and_spread()
    {
        var backoff = new RetryBackoff(Min, Max, new Random(42));
        var waits = Enumerable.Range(0, 200).Select(_ => backoff.Next()).ToList();
        Assert.All(waits, w => Assert.InRange(w, Min, Max));
        Assert.True(waits.Max() > Max * 0.8, "the cap is reached");
        Assert.True(waits.Distinct().Count() > 150, "jittered, not a fixed ladder");
        Assert.True(waits.Skip(20).Average(w => w.TotalSeconds) > 1.5, "grows well beyond min (0.25 s)");
    }

    [Fact]
    public void Reset_starts_again_from_min()
    {
        var backoff = new RetryBackoff(Min, Max, new Random(1));
        for (var i = 0; i < 50; i++)
        {
            backoff.Next();
        }

        backoff.Reset();
        Assert.InRange(backoff.Next(), Min, Min * 3);
    }

    [Fact]
    public void Two_agents_that_fail_together_do_not_retry_in_lock_step()
    {
        var a = new RetryBackoff(Min, Max, new Random(1));
        var b = new RetryBackoff(Min, Max, new Random(2));
        var same = Enumerable.Range(0, 20).Count(_ => Math.Abs((a.Next() - b.Next()).TotalMilliseconds) < 50);
        Assert.True(same < 5, $"{same} of 20 retries within 50 ms of each other");
    }

    [Fact]
    public async Task The_sender_waits_the_jittered_backoff_on_its_time_provider()
    {
        var time = new RecordingTime();
        using var http = new HttpClient();
        using var backlog = new ReportBacklog(10);
        backlog.Add(new NodeReport { AgentInstanceId = "i", Sequence = 1, Node = "n" });
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens: every attempt is refused at once
        var sender = new ReportSender(http, new Uri($"http://127.0.0.1:{port}"), "", backlog, NullLogger.Instance, time, new Random(7));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = sender.RunAsync(cts.Token);
        while (time.Delays.Count < 30 && !cts.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();
        await run;
        var delays = time.Delays.ToArray();
        Assert.True(delays.Length >= 30, $"only {delays.Length} retries in 60 s");
        Assert.All(delays, d => Assert.InRange(d, Min, Max));
        Assert.True(delays.Distinct().Count() > 25, "jittered");
        Assert.Equal(1, backlog.Count);
    }

    /// <summary>Fires every timer at once (on the thread pool) and records the delay it was asked for.</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<TimeSpan> Delays { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Delays.Enqueue(dueTime);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
