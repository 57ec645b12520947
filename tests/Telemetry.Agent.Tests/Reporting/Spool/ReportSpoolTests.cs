using Telemetry.Agent.Reporting;
using Telemetry.Agent.Reporting.Spool;

namespace Telemetry.Agent.Tests.Reporting.Spool;

public sealed class ReportSpoolTests
{
    private static QueuedReport Report(ulong seq, int bytes = 100) => new(Enumerable.Repeat((byte)seq, bytes).ToArray(), seq, 1000 + (long)seq);

    private static List<ulong> Drain(ReportSpool spool)
    {
        var seen = new List<ulong>();
        for (var i = 0; i < 10_000 && spool.TryPeek(out var r); i++)
        {
            Assert.Equal((byte)r.Sequence, r.Payload[0]); // the payload is the one written with this sequence
            seen.Add(r.Sequence);
            Assert.True(spool.Acknowledge(r));
        }

        return seen;
    }

    [Fact]
    public void Reports_come_back_in_order_across_segments_and_a_reopen()
    {
        using var dir = new TempDir();
        using (var spool = new ReportSpool(dir.Path, 64 << 10, new ListLogger()))
        {
            for (ulong s = 1; s <= 200; s++)
            {
                spool.Append(Report(s));
            }

            Assert.True(Directory.GetFiles(dir.Path).Length > 1, "8 KiB segments: 200 reports of 124 bytes span several");
        }

        using var reopened = new ReportSpool(dir.Path, 64 << 10, new ListLogger());
        Assert.Equal(200, reopened.Count);
        Assert.Equal([.. Enumerable.Range(1, 200).Select(i => (ulong)i)], Drain(reopened));
        Assert.Equal(0, reopened.Count);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void The_byte_bound_drops_whole_oldest_segments_and_counts_them()
    {
        using var dir = new TempDir();
        using var spool = new ReportSpool(dir.Path, 64 << 10, new ListLogger());
        var dropped = 0;
        for (ulong s = 1; s <= 2000; s++)
        {
            dropped += spool.Append(Report(s));
        }

        Assert.True(spool.Bytes <= (64 << 10) + spool.SegmentBytes, $"spool holds {spool.Bytes} bytes");
        Assert.True(dropped > 0);
        Assert.Equal(dropped, spool.Dropped);
        var left = Drain(spool);
        Assert.Equal(2000 - dropped, left.Count);
        Assert.Equal(2000UL, left[^1]);
        Assert.Equal([.. Enumerable.Range(dropped + 1, 2000 - dropped).Select(i => (ulong)i)], left);
    }

    [Fact]
    public void A_truncated_segment_yields_its_intact_reports_and_is_logged()
    {
        using var dir = new TempDir();
        using (var spool = new ReportSpool(dir.Path, 1 << 20, new ListLogger()))
        {
            for (ulong s = 1; s <= 5; s++)
            {
                spool.Append(Report(s));
            }
        }

        var file = Directory.GetFiles(dir.Path).Single();
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^50]); // a torn last write

        var log = new ListLogger();
        using var reopened = new ReportSpool(dir.Path, 1 << 20, log);
        Assert.Equal([1UL, 2, 3, 4], Drain(reopened));
        Assert.Equal(1, reopened.SegmentsSkipped);
        Assert.Equal(1, reopened.Dropped);
        Assert.Contains(log.Lines, l => l.Contains("damaged", StringComparison.Ordinal) && l.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public void A_flipped_bit_and_a_foreign_file_are_skipped_without_throwing()
    {
        using var dir = new TempDir();
        using (var spool = new ReportSpool(dir.Path, 1 << 20, new ListLogger()))
        {
            for (ulong s = 1; s <= 3; s++)
            {
                spool.Append(Report(s));
            }
        }

        var file = Directory.GetFiles(dir.Path).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[SpoolSegment.MagicBytes + SpoolSegment.HeaderBytes + 124 + 40] ^= 0x10; // inside the second record's payload
        File.WriteAllBytes(file, bytes);
        File.WriteAllText(Path.Combine(dir.Path, SpoolSegment.FileName(999_999)), "not a spool segment at all");

        var log = new ListLogger();
        using var reopened = new ReportSpool(dir.Path, 1 << 20, log);
        reopened.Append(Report(9));
        Assert.Equal([1UL, 9], Drain(reopened));
        Assert.Equal(2, reopened.SegmentsSkipped);
        Assert.Contains(log.Lines, l => l.Contains("checksum mismatch", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("bad magic", StringComparison.Ordinal));
    }
}
