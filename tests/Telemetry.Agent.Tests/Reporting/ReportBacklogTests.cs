using Microsoft.Extensions.Logging;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Reporting.Spool;
using Telemetry.Agent.Tests.Reporting.Spool;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class ReportBacklogTests
{
    private static NodeReport Report(ulong seq, int padding = 0) => new()
    {
        AgentInstanceId = "i",
        Sequence = seq,
        Node = "n",
        SampleTimeUnixMs = 1000 + (long)seq,
        Site = new string('x', padding),
    };

    [Fact]
    public async Task The_byte_bound_drops_the_oldest_before_the_count_bound_does()
    {
        var size = Report(1, 1000).CalculateSize();
        using var backlog = new ReportBacklog(1000, size * 3, null, null);
        for (ulong s = 1; s <= 10; s++)
        {
            backlog.Add(Report(s, 1000));
        }

        Assert.Equal(3, backlog.Count);
        Assert.Equal(7, backlog.Dropped);
        Assert.Equal(8UL, (await backlog.PeekOldestAsync(default)).Sequence);
        var health = backlog.Health();
        Assert.Equal(7UL, health.ReportsDroppedTotal);
        Assert.Equal(3UL, health.BacklogReports);
        Assert.Equal((ulong)(size * 3), health.BacklogBytes);
    }

    [Fact]
    public async Task Drops_are_logged_once_per_episode_with_a_summary_when_the_backlog_drains()
    {
        var log = new ListLogger();
        using var backlog = new ReportBacklog(2, 1 << 20, null, log);
        for (ulong s = 1; s <= 50; s++)
        {
            backlog.Add(Report(s));
        }

        Assert.Single(log.Lines, l => l.Contains("Backlog full", StringComparison.Ordinal));
        while (backlog.Count > 0)
        {
            backlog.Acknowledge(await backlog.PeekOldestAsync(default));
        }

        Assert.Single(log.Lines, l => l.Contains("48 report(s) were dropped", StringComparison.Ordinal));
        backlog.Add(Report(51));
        backlog.Add(Report(52));
        backlog.Add(Report(53));
        Assert.Equal(2, log.Lines.Count(l => l.Contains("Backlog full", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Overflow_goes_to_the_spool_and_is_sent_first_oldest_first()
    {
        using var dir = new TempDir();
        using var backlog = new ReportBacklog(3, 1 << 20, new ReportSpool(dir.Path, 1 << 20, new ListLogger()), null);
        for (ulong s = 1; s <= 10; s++)
        {
            backlog.Add(Report(s));
        }

        Assert.Equal(0, backlog.Dropped);
        Assert.Equal(3, backlog.MemoryCount);
        Assert.Equal(7UL, backlog.Health().SpoolReports);
        var order = new List<ulong>();
        while (backlog.Count > 0)
        {
            var next = await backlog.PeekOldestAsync(default);
            order.Add(next.Sequence);
            backlog.Acknowledge(next);
            if (next.Sequence == 2)
            {
                backlog.Add(Report(11)); // arrives mid-replay: memory overflows into the spool again
            }
        }

        Assert.Equal([1UL, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], order);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_flushed_backlog_survives_a_restart()
    {
        using var dir = new TempDir();
        using (var first = new ReportBacklog(100, 1 << 20, new ReportSpool(dir.Path, 1 << 20, new ListLogger()), null))
        {
            for (ulong s = 1; s <= 5; s++)
            {
                first.Add(Report(s));
            }

            Assert.Equal(5, first.FlushToSpool());
        }

        using var second = new ReportBacklog(100, 1 << 20, new ReportSpool(dir.Path, 1 << 20, new ListLogger()), null);
        Assert.Equal(5, second.Count);
        second.Add(new NodeReport { AgentInstanceId = "j", Sequence = 1, Node = "n" });
        var order = new List<(string, ulong)>();
        while (second.Count > 0)
        {
            var next = await second.PeekOldestAsync(default);
            order.Add((NodeReport.Parser.ParseFrom(next.Payload).AgentInstanceId, next.Sequence));
            second.Acknowledge(next);
        }

        Assert.Equal([("i", 1UL), ("i", 2UL), ("i", 3UL), ("i", 4UL), ("i", 5UL), ("j", 1UL)], order);
    }
}
