namespace Telemetry.Fuzzing;

/// <summary>
/// Deterministic mutations of valid inputs for fuzz tests and the <c>fuzz</c> bench mode: bit
/// flips, byte insert/delete, truncation, duplicated runs, splices of two seeds, a token repeated
/// thousands of times (deep nesting, long runs) and, per format, field-aware corruption —
/// protobuf varints and length prefixes (overlong, huge, off by one), Prometheus numbers (NaN,
/// ±Inf, negative, overflowing). One seed gives one sequence, so a failure reproduces from its
/// seed and index. Not coverage-guided: a cheap, bounded sampler, not a replacement for libFuzzer.
/// Shared by source link: tests/Telemetry.Scraping.Tests and bench/Telemetry.Benchmarks compile this file too.
/// </summary>
internal sealed class InputMutator
{
    /// <summary>Mutants are cut at this size: big enough to cross the decoders' limits, small enough to keep a run fast.</summary>
    public const int MaxInputBytes = 1024 * 1024;

    private static readonly byte[][] ProtobufTokens =
    [
        [0x4A, 0x00], // gpus: empty sub-message
        [0x52, 0x00], // servers: empty sub-message
        [0x0B], // a group start (field 1): nested groups are Google.Protobuf's recursion limit
        [0xA3, 0x06], // a group start (field 100)
        [0x52, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], // servers: a 2 GiB length prefix
        [0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // an overlong (11-byte) varint length
        [0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // sequence = ulong.MaxValue
        [0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x7F], // interval_seconds = NaN
        [0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0xFF], // interval_seconds = -Inf
    ];

    private static readonly byte[][] TextTokens =
    [
        "{"u8.ToArray(), "}"u8.ToArray(), "\""u8.ToArray(), "\\"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(), ","u8.ToArray(),
        "="u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(), "#"u8.ToArray(), "# HELP x "u8.ToArray(), "# TYPE x histogram\n"u8.ToArray(),
        "# EOF\n"u8.ToArray(), "le=\"+Inf\""u8.ToArray(), "a=\""u8.ToArray(), "x{a=\"b\"} 1\n"u8.ToArray(), [0xC3, 0x28], // invalid UTF-8
        " # {a=\"b\"} 1 2"u8.ToArray(),
    ];

    private static readonly byte[][] Numbers =
    [
        "NaN"u8.ToArray(), "+Inf"u8.ToArray(), "-Inf"u8.ToArray(), "-1"u8.ToArray(), "-0"u8.ToArray(), "1e309"u8.ToArray(), "-1e309"u8.ToArray(),
        "1e-400"u8.ToArray(), "0x1F"u8.ToArray(), "1_000"u8.ToArray(), "99999999999999999999999999999999"u8.ToArray(), ""u8.ToArray(), "1.5.5"u8.ToArray(),
    ];

    private readonly IReadOnlyList<byte[]> _seeds;
    private readonly bool _protobuf;
    private readonly byte[][] _tokens;

    /// <param name="seed">Random seed: the same seed and seeds give the same mutants in the same order.</param>
    /// <param name="seeds">Valid inputs to mutate (never modified).</param>
    /// <param name="protobuf">True for protobuf messages, false for Prometheus text.</param>
    public InputMutator(int seed, IReadOnlyList<byte[]> seeds, bool protobuf)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("at least one seed input is needed", nameof(seeds));
        }

        Random = new Random(seed);
        _seeds = seeds;
        _protobuf = protobuf;
        _tokens = protobuf ? ProtobufTokens : TextTokens;
    }

    /// <summary>The generator, for callers that add their own deterministic choices to each input.</summary>
    public Random Random { get; }

    /// <summary>The next mutant: one to three edits of a random seed (more rarely survive a protobuf parse).</summary>
    public byte[] Next()
    {
        var bytes = new List<byte>(_seeds[Random.Next(_seeds.Count)]);
        var edits = Random.Next(8) switch { < 5 => 1, < 7 => 2, _ => 3 };
        for (var e = 0; e < edits; e++)
        {
            Edit(bytes);
        }

        if (bytes.Count > MaxInputBytes)
        {
            bytes.RemoveRange(MaxInputBytes, bytes.Count - MaxInputBytes);
        }

        return [.. bytes];
    }

    /// <summary>How to print a failing input: all of it (base64) when short, else its length and start.</summary>
    public static string Describe(byte[] input) => input.Length <= 4096
        ? $"{input.Length} bytes, base64 {Convert.ToBase64String(input)}"
        : $"{input.Length} bytes, first 256 as base64 {Convert.ToBase64String(input, 0, 256)}";

    private void Edit(List<byte> bytes)
    {
        var at = bytes.Count == 0 ? 0 : Random.Next(bytes.Count);
        switch (Random.Next(11))
        {
            case 0 when bytes.Count > 0: // flip a bit
                bytes[at] ^= (byte)(1 << Random.Next(8));
                break;
            case 1 when bytes.Count > 0: // any byte
                bytes[at] = (byte)Random.Next(256);
                break;
            case 2: // a syntax token
                bytes.InsertRange(at, _tokens[Random.Next(_tokens.Length)]);
                break;
            case 3: // a token repeated: deep nesting, long lines, many fields
                var token = _tokens[Random.Next(_tokens.Length)];
                var repeated = new byte[token.Length * Random.Next(2, 8192 / token.Length)];
                for (var offset = 0; offset < repeated.Length; offset += token.Length)
                {
                    token.CopyTo(repeated, offset);
                }

                bytes.InsertRange(at, repeated);
                break;
            case 4: // delete a run
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, Random.Next(1, 64)));
                break;
            case 5: // truncate
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 6 when bytes.Count > 0: // duplicate a run elsewhere
                var run = bytes.GetRange(at, Math.Min(bytes.Count - at, Random.Next(1, 512)));
                bytes.InsertRange(Random.Next(bytes.Count), run);
                break;
            case 7: // splice: this input's head, another seed's tail
                var other = _seeds[Random.Next(_seeds.Count)];
                var from = Random.Next(other.Length + 1);
                bytes.RemoveRange(at, bytes.Count - at);
                bytes.AddRange(other.AsSpan(from).ToArray());
                break;
            case 8 when _protobuf:
                CorruptProtobufField(bytes, lengthPrefix: true);
                break;
            case 9 when _protobuf:
                CorruptProtobufField(bytes, lengthPrefix: false);
                break;
            case 8 or 9:
                CorruptNumber(bytes, at);
                break;
            default: // a random byte inserted
                bytes.Insert(at, (byte)Random.Next(256));
                break;
        }
    }

    /// <summary>Rewrites one length prefix (0, off by one, doubled, 2 GiB, 2^63) or one varint (overlong, unterminated, max).</summary>
    private void CorruptProtobufField(List<byte> bytes, bool lengthPrefix)
    {
        var fields = new List<(int Start, int End, ulong Value, bool IsLength)>();
        ScanProtobuf(bytes.ToArray(), 0, 0, fields);
        var candidates = fields.Where(f => f.IsLength == lengthPrefix).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var (start, end, value, _) = candidates[Random.Next(candidates.Count)];
        byte[] replacement = lengthPrefix
            ? Varint(Random.Next(7) switch
            {
                0 => 0,
                1 => value + 1,
                2 => value == 0 ? 1 : value - 1,
                3 => value * 2,
                4 => int.MaxValue,
                5 => 1UL << 63,
                _ => (ulong)Random.Next(1 << 20),
            })
            : Random.Next(4) switch
            {
                0 => [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // longer than 10 bytes
                1 => [0xFF], // continuation bit, then the next field's tag
                2 => Varint(ulong.MaxValue),
                _ => Varint((ulong)Random.NextInt64()),
            };
        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, replacement);
    }

    /// <summary>Replaces the number at or after <paramref name="at"/> with NaN, ±Inf, a negative or a malformed one.</summary>
    private void CorruptNumber(List<byte> bytes, int at)
    {
        var start = at;
        while (start < bytes.Count && !(bytes[start] is >= (byte)'0' and <= (byte)'9'))
        {
            start++;
        }

        var end = start;
        while (end < bytes.Count && (bytes[end] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'-' or (byte)'+'))
        {
            end++;
        }

        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Numbers[Random.Next(Numbers.Length)]);
    }

    /// <summary>Walks a protobuf message, recursing into length-delimited fields that parse as messages, and lists every varint and length prefix.</summary>
    private static void ScanProtobuf(ReadOnlySpan<byte> data, int offset, int depth, List<(int, int, ulong, bool)> fields)
    {
        var pos = 0;
        while (pos < data.Length && fields.Count < 4096)
        {
            if (!TryVarint(data, ref pos, out var tag))
            {
                return;
            }

            var valueStart = pos;
            switch (tag & 7)
            {
                case 0:
                    if (!TryVarint(data, ref pos, out var value))
                    {
                        return;
                    }

                    fields.Add((offset + valueStart, offset + pos, value, false));
                    break;
                case 1:
                    pos += 8;
                    break;
                case 5:
                    pos += 4;
                    break;
                case 2:
                    if (!TryVarint(data, ref pos, out var length) || length > (ulong)(data.Length - pos))
                    {
                        return;
                    }

                    fields.Add((offset + valueStart, offset + pos, length, true));
                    if (depth < 8)
                    {
                        ScanProtobuf(data.Slice(pos, (int)length), offset + pos, depth + 1, fields);
                    }

                    pos += (int)length;
                    break;
                default:
                    return;
            }
        }
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Varint(ulong value)
    {
        var result = new List<byte>(10);
        while (value >= 0x80)
        {
            result.Add((byte)(value | 0x80));
            value >>= 7;
        }

        result.Add((byte)value);
        return [.. result];
    }
}
