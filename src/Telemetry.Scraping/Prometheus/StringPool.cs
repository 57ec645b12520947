using System.Buffers;
using System.Text;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Per-parse interning of names and label values: a payload repeats the same few strings on every
/// line (<c>model_name="…"</c>, <c>le="0.5"</c>), so each distinct one is allocated once.
/// Owns a pooled scratch buffer; dispose to return it.
/// </summary>
internal sealed class StringPool : IDisposable
{
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _scratch;

    public StringPool(int maxChars)
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        _scratch = ArrayPool<char>.Shared.Rent(maxChars);
    }

    /// <summary>Interns ASCII/UTF-8 bytes as-is (names; values without escapes).</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        var length = Encoding.UTF8.GetChars(utf8, _scratch);
        return Intern(_scratch.AsSpan(0, length));
    }

    /// <summary>
    /// Interns text after undoing <c>\\</c>, <c>\n</c> and (label values only) <c>\"</c>;
    /// other escapes stay literal, as in Prometheus's own parser.
    /// </summary>
    public string InternEscaped(ReadOnlySpan<byte> utf8, bool quoteEscapes = true)
    {
        var chars = _scratch.AsSpan(0, Encoding.UTF8.GetChars(utf8, _scratch));
        var written = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c == '\\' && i + 1 < chars.Length)
            {
                var next = chars[i + 1];
                if (next is '\\' or 'n' || (quoteEscapes && next == '"'))
                {
                    c = next == 'n' ? '\n' : next;
                    i++;
                }
            }

            chars[written++] = c;
        }

        return Intern(chars[..written]);
    }

    private string Intern(ReadOnlySpan<char> chars)
    {
        if (_lookup.TryGetValue(chars, out var existing))
        {
            return existing;
        }

        var created = new string(chars);
        _strings.Add(created);
        return created;
    }

    public void Dispose()
    {
        if (_scratch.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_scratch);
            _scratch = [];
        }
    }
}
