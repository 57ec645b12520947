using System.Buffers;

namespace Telemetry.Exposition;

/// <summary>
/// A label set validated, escaped and UTF-8 encoded once (<c>name="value",…</c> without braces), for series
/// written on every scrape: at fleet scale the labels are most of the bytes, and encoding them per scrape
/// is most of the work. Build it when a series' identity changes, keep it with the series.
/// </summary>
/// <remarks>
/// A sample may combine up to three sets (e.g. a series' identity, a window, a token type); the caller keeps
/// their names disjoint, which is checked in debug builds only — the sets are fixed by code, not by input.
/// </remarks>
public sealed class LabelSet
{
    public static readonly LabelSet Empty = new([], []);

    private LabelSet(byte[] encoded, string[] names)
    {
        Encoded = encoded;
        Names = names;
    }

    /// <summary>The encoded pairs, comma-separated, no braces; empty for <see cref="Empty"/>.</summary>
    internal byte[] Encoded { get; }

    /// <summary>Label names in order (for the writer's reserved-name and duplicate checks).</summary>
    internal string[] Names { get; }

    public bool IsEmpty => Encoded.Length == 0;

    /// <summary>Validates names (charset, uniqueness) and escapes values exactly as the writer does for <see cref="Label"/>s.</summary>
    public static LabelSet Of(params ReadOnlySpan<Label> labels)
    {
        if (labels.IsEmpty)
        {
            return Empty;
        }

        SampleArguments.ValidateLabels(labels, reserveLe: false);
        using var buffer = new PooledUtf8Buffer(ArrayPool<byte>.Shared, 256);
        var names = new string[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                buffer.Write((byte)',');
            }

            names[i] = labels[i].Name;
            buffer.WriteAscii(labels[i].Name);
            buffer.Write("=\""u8);
            buffer.WriteEscapedUtf8(labels[i].Value, ExpositionWriter.LabelValueEscapes);
            buffer.Write((byte)'"');
        }

        return new LabelSet(buffer.WrittenMemory.ToArray(), names);
    }

    /// <summary>Whether a label of this name is in the set.</summary>
    public bool Contains(string name) => Array.IndexOf(Names, name) >= 0;

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Encoded);
}
