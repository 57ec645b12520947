using Telemetry.Collector.Configuration;
using Telemetry.Collector.Ingest;

namespace Telemetry.Collector.Tests.Ingest;

public sealed class NodeRateLimiterTests
{
    /// <summary>A clock whose timestamps move only when the test says so (1 tick = 1 ms).</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public long Ms { get; set; } = 1_000_000;

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => Ms;
    }

    private static (NodeRateLimiter Limiter, SteppedClock Clock) Make(double perSecond, double burst)
    {
        var clock = new SteppedClock();
        return (new NodeRateLimiter(new RateLimitOptions { ReportsPerSecond = perSecond, Burst = burst }, clock), clock);
    }

    [Fact]
    public void A_new_node_gets_its_whole_burst_then_waits_for_the_refill()
    {
        var (limiter, _) = Make(perSecond: 2, burst: 5);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0, limiter.TryAcquire("a"));
        }

        Assert.Equal(1, limiter.TryAcquire("a")); // one token short at 2/s: 0.5 s, rounded up to whole seconds
    }

    [Fact]
    public void Retry_after_is_the_whole_seconds_until_the_next_token()
    {
        var (limiter, clock) = Make(perSecond: 0.25, burst: 1);
        Assert.Equal(0, limiter.TryAcquire("a"));
        Assert.Equal(4, limiter.TryAcquire("a"));
        clock.Ms += 1500;
        Assert.Equal(3, limiter.TryAcquire("a")); // 2.5 s to go
        clock.Ms += 2500;
        Assert.Equal(0, limiter.TryAcquire("a"));
    }

    [Fact]
    public void The_bucket_refills_at_the_rate_and_never_beyond_the_burst()
    {
        var (limiter, clock) = Make(perSecond: 10, burst: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, limiter.TryAcquire("a"));
        }

        clock.Ms += 60_000; // a minute idle refills to the burst, not to 600
        var passed = 0;
        while (limiter.TryAcquire("a") == 0 && passed < 1000)
        {
            passed++;
        }

        Assert.Equal(3, passed);
        clock.Ms += 200; // 10/s for 0.2 s: two more
        Assert.Equal(0, limiter.TryAcquire("a"));
        Assert.Equal(0, limiter.TryAcquire("a"));
        Assert.NotEqual(0, limiter.TryAcquire("a"));
    }

    [Fact]
    public void Nodes_have_separate_buckets()
    {
        var (limiter, _) = Make(perSecond: 1, burst: 1);
        Assert.Equal(0, limiter.TryAcquire("a"));
        Assert.NotEqual(0, limiter.TryAcquire("a"));
        Assert.Equal(0, limiter.TryAcquire("b"));
    }

    [Fact]
    public void A_rate_of_zero_turns_the_limit_off()
    {
        var (limiter, _) = Make(perSecond: 0, burst: 1);
        Assert.False(limiter.Enabled);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(0, limiter.TryAcquire("a"));
        }
    }

    [Fact]
    public void The_default_lets_an_hour_of_backlog_replay_in_under_a_minute()
    {
        // An agent replays one report at a time and, refused, waits Retry-After: simulate that against the defaults.
        var clock = new SteppedClock();
        var limiter = new NodeRateLimiter(new RateLimitOptions(), clock);
        var start = clock.Ms;
        var sent = 0;
        for (var attempts = 0; sent < 3600 && attempts < 100_000; attempts++)
        {
            var wait = limiter.TryAcquire("replaying");
            if (wait == 0)
            {
                sent++;
                clock.Ms += 1; // 1 ms per round trip on a LAN
            }
            else
            {
                clock.Ms += wait * 1000L;
            }
        }

        Assert.Equal(3600, sent);
        var seconds = (clock.Ms - start) / 1000.0;
        Assert.InRange(seconds, 20, 60);
    }

    [Fact]
    public void A_healthy_node_at_one_report_a_second_is_never_refused()
    {
        var (limiter, clock) = Make(perSecond: 100, burst: 200);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(0, limiter.TryAcquire("a"));
            clock.Ms += 1000;
        }
    }

    [Fact]
    public void Acquiring_for_a_known_node_does_not_allocate()
    {
        var (limiter, clock) = Make(perSecond: 1_000_000, burst: 1_000_000);
        limiter.TryAcquire("node-7");
        var node = "node-7";
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            limiter.TryAcquire(node);
            clock.Ms++;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
