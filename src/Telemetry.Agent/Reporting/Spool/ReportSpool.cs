using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Reporting.Spool;

/// <summary>
/// The optional disk spool (<c>Agent:Collector:SpoolDirectory</c>): reports that overflow the memory
/// backlog, and the whole backlog at shutdown, appended to numbered segment files
/// (<see cref="SpoolSegment"/>) and handed back oldest first, so they survive an agent restart. Bounded
/// in bytes: past <c>SpoolMaxBytes</c> the oldest segment is dropped and counted. A damaged segment
/// yields its intact records and is logged, never thrown. A segment is deleted once all its records were
/// acknowledged; after a crash its acknowledged records are sent again and the collector drops them as
/// duplicates by (agent instance, sequence). Not thread-safe: <see cref="ReportBacklog"/> guards it.
/// </summary>
internal sealed class ReportSpool : IDisposable
{
    /// <summary>Largest segment: bounds what a crash can make the agent resend, and what one load reads into memory.</summary>
    private const long MaxSegmentBytes = 1 << 20;

    private readonly LinkedList<Segment> _segments = new();
    private readonly Queue<QueuedReport> _head = new();
    private readonly ILogger _logger;
    private Segment? _loaded;
    private Segment? _writing;
    private FileStream? _writer;
    private long _nextNumber;

    public ReportSpool(string directory, long maxBytes, ILogger logger)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        _logger = logger;
        SegmentBytes = Math.Clamp(maxBytes / 8, 4096, MaxSegmentBytes);
        System.IO.Directory.CreateDirectory(directory);
        var found = System.IO.Directory.EnumerateFiles(directory, "*" + SpoolSegment.Extension)
            .Select(p => (Path: p, Number: SpoolSegment.NumberOf(p)))
            .Where(s => s.Number is not null)
            .OrderBy(s => s.Number);
        foreach (var (path, number) in found)
        {
            var segment = new Segment(number!.Value, path) { Bytes = new FileInfo(path).Length, Count = SpoolSegment.CountRecords(path) };
            _segments.AddLast(segment);
            Count += segment.Count;
            Bytes += segment.Bytes;
            _nextNumber = number.Value + 1;
        }

        if (Count > 0)
        {
            _logger.LogInformation("Spool {Directory} holds {Count} report(s) ({Bytes} bytes) from an earlier run; sending them first, oldest first", directory, Count, Bytes);
        }

        Dropped += EvictOverBound();
    }

    public string Directory { get; }
    public long MaxBytes { get; }

    /// <summary>Segments roll over at this size.</summary>
    public long SegmentBytes { get; }

    /// <summary>Reports in the spool not yet acknowledged (counted from record headers until a segment is loaded).</summary>
    public int Count { get; private set; }

    /// <summary>Size of the segment files on disk.</summary>
    public long Bytes { get; private set; }

    /// <summary>Reports lost to the byte bound or to damaged segments.</summary>
    public long Dropped { get; private set; }

    /// <summary>Segments found damaged (truncated, bad checksum, not a segment) and skipped past their last intact record.</summary>
    public long SegmentsSkipped { get; private set; }

    /// <summary>Appends one report; returns the reports dropped to stay within the bound. Throws IOException if the disk refuses.</summary>
    public int Append(QueuedReport report)
    {
        if (_writer is null || _writing is null || _writing.Bytes >= SegmentBytes)
        {
            Roll();
        }

        var written = SpoolSegment.WriteRecord(_writer!, report);
        _writer!.Flush(); // to the OS: survives the agent dying, which is the common case
        _writing!.Bytes += written;
        _writing.Count++;
        Count++;
        Bytes += written;
        var dropped = EvictOverBound();
        Dropped += dropped;
        return dropped;
    }

    /// <summary>The oldest report in the spool, loading the oldest segment when needed.</summary>
    public bool TryPeek(out QueuedReport report)
    {
        while (_head.Count == 0 && _segments.First?.Value is { } oldest)
        {
            if (ReferenceEquals(oldest, _writing))
            {
                CloseWriter(); // a loaded segment is never appended to: later reports start a new one
            }

            var (reports, damage) = SpoolSegment.Read(oldest.Path);
            if (damage is not null)
            {
                SegmentsSkipped++;
                var lost = Math.Max(0, oldest.Count - reports.Count);
                Dropped += lost;
                _logger.LogWarning("Spool segment {Path} is damaged ({Damage}): kept its {Kept} intact report(s), skipped the rest ({Lost} counted as dropped)", oldest.Path, damage, reports.Count, lost);
            }

            Count += reports.Count - oldest.Count;
            oldest.Count = reports.Count;
            if (reports.Count == 0)
            {
                Remove(oldest);
                continue;
            }

            foreach (var r in reports)
            {
                _head.Enqueue(r);
            }

            _loaded = oldest;
        }

        return _head.TryPeek(out report!);
    }

    /// <summary>Removes <paramref name="report"/> if it is the oldest; deletes its segment when that was the last record.</summary>
    public bool Acknowledge(QueuedReport report)
    {
        if (!_head.TryPeek(out var head) || !ReferenceEquals(head, report))
        {
            return false;
        }

        _head.Dequeue();
        Count--;
        _loaded!.Count--;
        if (_head.Count == 0)
        {
            Remove(_loaded);
        }

        return true;
    }

    private void Roll()
    {
        CloseWriter();
        var number = _nextNumber++;
        var path = Path.Combine(Directory, SpoolSegment.FileName(number));
        _writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        SpoolSegment.WriteMagic(_writer);
        _writing = new Segment(number, path) { Bytes = SpoolSegment.MagicBytes };
        _segments.AddLast(_writing);
        Bytes += _writing.Bytes;
    }

    private void CloseWriter()
    {
        if (_writer is not null)
        {
            _writer.Flush(flushToDisk: true);
            _writer.Dispose();
        }

        _writer = null;
        _writing = null;
    }

    /// <summary>Drops whole oldest segments while over the bound, never the one being written.</summary>
    private int EvictOverBound()
    {
        var dropped = 0;
        while (Bytes > MaxBytes && _segments.First?.Value is { } oldest && !ReferenceEquals(oldest, _writing))
        {
            dropped += oldest.Count;
            Count -= oldest.Count;
            Remove(oldest);
        }

        return dropped;
    }

    private void Remove(Segment segment)
    {
        if (ReferenceEquals(segment, _loaded))
        {
            _head.Clear();
            _loaded = null;
        }

        _segments.Remove(segment);
        Bytes -= segment.Bytes;
        try
        {
            File.Delete(segment.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind, it is replayed at the next start and the collector drops it as duplicates.
            _logger.LogWarning("Could not delete spool segment {Path}: {Error}", segment.Path, ex.Message);
        }
    }

    public void Dispose() => CloseWriter();

    private sealed class Segment(long number, string path)
    {
        public long Number { get; } = number;
        public string Path { get; } = path;
        public long Bytes { get; set; }
        public int Count { get; set; }
    }
}
