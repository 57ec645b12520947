using System.Buffers.Binary;
using System.IO.Hashing;

namespace Telemetry.Agent.Reporting.Spool;

/// <summary>
/// The file format of one spool segment: an 8-byte magic, then records of
/// <c>[u32 payload length][u32 CRC-32 of the rest][u64 sequence][i64 sample ms][payload]</c>, little endian.
/// Reading stops at the first record that is truncated or fails its CRC (a torn write after a crash or
/// power cut, or a damaged disk): the records before it are kept, the rest is reported as damage.
/// </summary>
internal static class SpoolSegment
{
    public const string Extension = ".seg";

    /// <summary>A record longer than this is garbage, not a report: the collector refuses reports over 4 MiB.</summary>
    public const int MaxPayloadBytes = 16 << 20;

    public const int HeaderBytes = 24;

    private static ReadOnlySpan<byte> Magic => "ITSPOOL1"u8;

    public static int MagicBytes => Magic.Length;

    public static string FileName(long number) => number.ToString("D12", System.Globalization.CultureInfo.InvariantCulture) + Extension;

    /// <summary>The segment number of a spool file name, or null for any other file.</summary>
    public static long? NumberOf(string path) =>
        Path.GetExtension(path) == Extension && long.TryParse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    public static void WriteMagic(Stream stream) => stream.Write(Magic);

    /// <summary>Writes one record in one call, so a crash leaves at most this record torn.</summary>
    public static int WriteRecord(Stream stream, QueuedReport report)
    {
        var record = new byte[HeaderBytes + report.Payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)report.Payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(8), report.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(16), report.SampleTimeUnixMs);
        report.Payload.CopyTo(record, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(8)));
        stream.Write(record);
        return record.Length;
    }

    /// <summary>Every intact record of a segment, oldest first, and what was wrong with the rest (null if nothing).</summary>
    public static (List<QueuedReport> Reports, string? Damage) Read(string path)
    {
        var reports = new List<QueuedReport>();
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            return (reports, "unreadable: " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return (reports, "unreadable: " + ex.Message);
        }

        if (data.Length < Magic.Length || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return (reports, "not a spool segment (bad magic)");
        }

        var at = Magic.Length;
        while (at < data.Length)
        {
            if (data.Length - at < HeaderBytes)
            {
                return (reports, $"truncated record header at byte {at}");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at));
            if (length > MaxPayloadBytes || length > data.Length - at - HeaderBytes)
            {
                return (reports, $"truncated or oversized record at byte {at} (length {length})");
            }

            var body = data.AsSpan(at + 8, HeaderBytes - 8 + (int)length);
            if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4)))
            {
                return (reports, $"checksum mismatch at byte {at}");
            }

            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(body);
            var sampleMs = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
            reports.Add(new QueuedReport(body[16..].ToArray(), sequence, sampleMs));
            at += HeaderBytes + (int)length;
        }

        return (reports, null);
    }

    /// <summary>Counts a segment's records from their headers alone (no CRC, no payload read): cheap at start-up.</summary>
    public static int CountRecords(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Span<byte> header = stackalloc byte[4];
            var count = 0;
            f.Position = Magic.Length;
            while (f.Position < f.Length)
            {
                count++; // a torn last record was a report too: counted, so that losing it counts as a drop
                if (f.Length - f.Position < HeaderBytes)
                {
                    break;
                }

                f.ReadExactly(header);
                var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
                if (length > MaxPayloadBytes || f.Position + HeaderBytes - 4 + length > f.Length)
                {
                    break;
                }

                f.Position += HeaderBytes - 4 + length;
            }

            return count;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
