using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Telemetry.Exposition;

/// <summary>
/// Writes one scrape's exposition — Prometheus text 0.0.4 or OpenMetrics 1.0.0 — as UTF-8 bytes into a single
/// pooled, growable buffer, family by family. It escapes label values and HELP, validates names, keeps each family's
/// samples contiguous after its HELP and TYPE, and ends OpenMetrics with <c># EOF</c>.
/// </summary>
/// <remarks>
/// Non-goals: it does not sort, deduplicate series or check values. It writes what it is given; in particular it does
/// not reject NaN or negative counter values, which OpenMetrics forbids ("A MetricPoint in a Metric of type Counter
/// MUST NOT have a NaN or negative value") — the collector never produces them, which a <see cref="Debug.Assert(bool)"/>
/// checks. No <c>_created</c>, <c># UNIT</c>, exemplars or timestamps are written (all optional in both formats).
/// Not thread-safe. Specs: prometheus/docs <c>docs/instrumenting/exposition_formats.md</c> and
/// <c>docs/specs/om/open_metrics_spec.md</c>.
/// </remarks>
public sealed class ExpositionWriter : IDisposable
{
    /// <summary>Label values escape <c>\</c>, <c>"</c> and line feed in both formats.</summary>
    internal static readonly SearchValues<byte> LabelValueEscapes = SearchValues.Create("\\\"\n"u8);

    /// <summary>0.0.4 HELP escapes only <c>\</c> and line feed (exposition_formats.md, "Comments, help text, and type information").</summary>
    private static readonly SearchValues<byte> TextHelpEscapes = SearchValues.Create("\\\n"u8);

    /// <summary>OpenMetrics HELP is an <c>escaped-string</c> in the ABNF, so <c>"</c> is escaped as well.</summary>
    private static readonly SearchValues<byte> OpenMetricsHelpEscapes = LabelValueEscapes;

    private readonly PooledUtf8Buffer _buffer;
    private readonly ArrayPool<byte> _pool;
    private readonly ExpositionFormat _format;
    private readonly bool _openMetrics;
    private readonly HashSet<string> _familyNames = new(StringComparer.Ordinal);
    private double[] _leBounds = [];
    private int[] _leStarts = [0];
    private byte[] _leText = [];
    private string? _familyName;
    private MetricType _familyType;
    private int _ownSamples;

    private const int LabelValueTextSlots = 16;
    private readonly (ulong Bits, byte[] Text)[] _labelValueTexts = new (ulong, byte[])[LabelValueTextSlots];
    private int _labelValueTextCount;
    private int _lastLabelValueText;

    /// <summary>The writer whose bytes follow this one's, after <see cref="WriteConcurrently"/>.</summary>
    private ExpositionWriter? _continuation;
    private bool _finished;
    private bool _disposed;

    public ExpositionWriter(ExpositionFormat format, int initialCapacity = 64 * 1024)
        : this(format, initialCapacity, ArrayPool<byte>.Shared)
    {
    }

    internal ExpositionWriter(ExpositionFormat format, int initialCapacity, ArrayPool<byte> pool)
    {
        if (format is not (ExpositionFormat.PrometheusText004 or ExpositionFormat.OpenMetrics100))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown exposition format.");
        }

        _format = format;
        _openMetrics = format == ExpositionFormat.OpenMetrics100;
        _pool = pool;
        _buffer = new PooledUtf8Buffer(pool, initialCapacity);
    }

    /// <summary>Sample lines written so far (every bucket, sum and count line included): the series count of a scrape.</summary>
    public int SampleCount => _ownSamples + (_continuation?.SampleCount ?? 0);

    /// <summary>
    /// The exposition so far as one block; valid until the next write or <see cref="Dispose"/>. After
    /// <see cref="WriteConcurrently"/> the exposition is two blocks: use <see cref="Written"/>.
    /// </summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_continuation is not null)
            {
                throw new InvalidOperationException("The exposition was written in two parts (WriteConcurrently); read it through Written.");
            }

            return _buffer.WrittenMemory;
        }
    }

    /// <summary>The whole exposition so far, in order (one or two blocks); valid until the next write or <see cref="Dispose"/>.</summary>
    public ReadOnlySequence<byte> Written
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _continuation is null
                ? new ReadOnlySequence<byte>(_buffer.WrittenMemory)
                : BodySegment.Join(_buffer.WrittenMemory, _continuation._buffer.WrittenMemory);
        }
    }

    /// <summary>Bytes of this writer's own block (the first, when there are two).</summary>
    internal int OwnLength => _buffer.WrittenMemory.Length;

    /// <summary>Bytes of the second block written by <see cref="WriteConcurrently"/>, 0 when there is none.</summary>
    internal int ContinuationLength => _continuation?.OwnLength ?? 0;

    /// <summary>First buffer size for the writer <see cref="WriteConcurrently"/> creates (the previous render's second block).</summary>
    internal int ContinuationCapacity { get; set; } = 64 * 1024;

    /// <summary>
    /// Writes two independent groups of families at once, on two threads: <paramref name="first"/> into this writer,
    /// <paramref name="second"/> into a second writer whose bytes follow this one's in <see cref="Written"/>. The output
    /// is byte for byte what writing the two groups one after the other would give. Afterwards only
    /// <see cref="Finish"/> may follow (nothing can be appended between the two blocks' families).
    /// </summary>
    /// <remarks>
    /// A fleet-scale exposition is hundreds of megabytes of independent families; two cores render it in about half the
    /// time. Both groups must only read shared state. The second block has its own pooled buffer, so the body is
    /// never copied to join them. A family written by both groups is refused like any repeated family.
    /// </remarks>
    public void WriteConcurrently(Action<ExpositionWriter> first, Action<ExpositionWriter> second)
    {
        ThrowIfNotWritable();
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var sibling = new ExpositionWriter(_format, ContinuationCapacity, _pool);
        try
        {
            var other = Task.Run(() => second(sibling));
            try
            {
                first(this);
            }
            catch
            {
                // Never return the sibling's buffer while its group still writes into it; the first failure is reported.
                try
                {
                    other.Wait();
                }
                catch (AggregateException)
                {
                }

                throw;
            }

            other.GetAwaiter().GetResult(); // waits, and rethrows the second group's exception as it was
            foreach (var name in sibling._familyNames)
            {
                if (!_familyNames.Add(name))
                {
                    throw new ArgumentException($"The family '{name}' was written by both concurrent groups.", nameof(second));
                }
            }
        }
        catch
        {
            sibling.Dispose();
            throw;
        }

        _continuation = sibling;
    }

    /// <summary>
    /// Starts a family. <paramref name="name"/> is the base name; for a counter it must not end in <c>_total</c>,
    /// which the writer adds to the samples (and, in 0.0.4, to HELP/TYPE, whose name must equal the sample name).
    /// OpenMetrics names the counter family without <c>_total</c> and orders TYPE before HELP.
    /// </summary>
    public void BeginFamily(string name, MetricType type, string help)
    {
        ThrowIfNotWritable();
        MetricNames.ValidateMetricName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(help);
        if (type is not (MetricType.Counter or MetricType.Gauge or MetricType.Histogram or MetricType.Summary))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown metric type.");
        }

        bool counterSuffix = type == MetricType.Counter && !_openMetrics;
        if (type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Pass the counter's base name without '_total' (got '{name}').", nameof(name));
        }

        // Families must not repeat or interleave: samples of a family are contiguous (both specs).
        string exposedName = counterSuffix ? name + "_total" : name;
        if (!_familyNames.Add(exposedName))
        {
            throw new ArgumentException($"The family '{exposedName}' was already written.", nameof(name));
        }

        if (_openMetrics)
        {
            WriteTypeLine(name, counterSuffix, type);
            WriteHelpLine(name, counterSuffix, help);
        }
        else
        {
            WriteHelpLine(name, counterSuffix, help);
            WriteTypeLine(name, counterSuffix, type);
        }

        _familyName = name;
        _familyType = type;
    }

    /// <summary>Writes one sample of the current counter or gauge family; an empty label set writes no braces.</summary>
    public void WriteSample(ReadOnlySpan<Label> labels, double value)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Gauge);
        SampleArguments.ValidateLabels(labels, reserveLe: false);
        Debug.Assert(
            _familyType != MetricType.Counter || value >= 0,
            "Counters are never NaN or negative (OpenMetrics forbids both); the writer would still write them.");

        _buffer.WriteAscii(name);
        if (_familyType == MetricType.Counter)
        {
            _buffer.Write("_total"u8);
        }

        WriteLabels(labels, leBound: null);
        WriteValue(value);
    }

    /// <summary>
    /// Writes a classic histogram of the current family: <c>_bucket</c> per finite bound (ascending), then
    /// <c>le="+Inf"</c> with <paramref name="count"/> (so it always equals <c>_count</c>), <c>_sum</c>, <c>_count</c>.
    /// </summary>
    public void WriteHistogram(
        ReadOnlySpan<Label> labels,
        ReadOnlySpan<double> upperBounds,
        ReadOnlySpan<double> cumulativeCounts,
        double count,
        double sum)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Histogram);
        SampleArguments.ValidateLabels(labels, reserveLe: true);
        SampleArguments.ValidateBounds(upperBounds, cumulativeCounts);
        Debug.Assert(
            count >= 0 && (cumulativeCounts.IsEmpty || cumulativeCounts[^1] <= count),
            "Bucket counts are cumulative and never exceed the total count.");

        for (int i = 0; i < upperBounds.Length; i++)
        {
            WriteHistogramLine(name, "_bucket"u8, labels, upperBounds[i], cumulativeCounts[i]);
        }

        WriteHistogramLine(name, "_bucket"u8, labels, double.PositiveInfinity, count);
        WriteHistogramLine(name, "_sum"u8, labels, leBound: null, sum);
        WriteHistogramLine(name, "_count"u8, labels, leBound: null, count);
    }

    /// <summary>
    /// Writes a summary of the current family: one sample per quantile (label <c>quantile</c>), then
    /// <c>_sum</c> and <c>_count</c>. Quantiles must lie in [0, 1].
    /// </summary>
    public void WriteSummary(ReadOnlySpan<Label> labels, ReadOnlySpan<(double Quantile, double Value)> quantiles, double count, double sum)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Summary);
        SampleArguments.ValidateLabels(labels, reserveLe: false);
        foreach (var (q, _) in quantiles)
        {
            if (!(q >= 0 && q <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(quantiles), q, "Quantiles lie in [0, 1].");
            }
        }

        foreach (var label in labels)
        {
            if (label.Name == "quantile")
            {
                throw new ArgumentException("The 'quantile' label is written by WriteSummary.", nameof(labels));
            }
        }

        foreach (var (q, value) in quantiles)
        {
            _buffer.WriteAscii(name);
            WriteLabels(labels, "quantile=\""u8, q);
            WriteValue(value);
        }

        WriteHistogramLine(name, "_sum"u8, labels, leBound: null, sum);
        WriteHistogramLine(name, "_count"u8, labels, leBound: null, count);
    }

    /// <summary>Writes one sample of the current counter or gauge family with a pre-encoded label set.</summary>
    public void WriteSample(LabelSet labels, double value) => WriteSample(labels, LabelSet.Empty, LabelSet.Empty, value);

    /// <summary>
    /// Writes one sample of the current counter or gauge family whose labels are <paramref name="first"/>, then
    /// <paramref name="second"/>, then <paramref name="third"/> (any may be <see cref="LabelSet.Empty"/>; names disjoint).
    /// </summary>
    public void WriteSample(LabelSet first, LabelSet second, LabelSet third, double value)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Gauge);
        AssertDisjoint(first, second, third);
        Debug.Assert(
            _familyType != MetricType.Counter || value >= 0,
            "Counters are never NaN or negative (OpenMetrics forbids both); the writer would still write them.");

        _buffer.WriteAscii(name);
        if (_familyType == MetricType.Counter)
        {
            _buffer.Write("_total"u8);
        }

        WriteLabels(first, second, third, default, extraValue: null);
        WriteValue(value);
    }

    /// <summary>
    /// <see cref="WriteHistogram(ReadOnlySpan{Label}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, double)"/>
    /// with a pre-encoded label set.
    /// </summary>
    public void WriteHistogram(LabelSet labels, ReadOnlySpan<double> upperBounds, ReadOnlySpan<double> cumulativeCounts, double count, double sum)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Histogram);
        if (labels.Contains("le"))
        {
            throw new ArgumentException("'le' is reserved for histogram buckets.", nameof(labels));
        }

        SampleArguments.ValidateBounds(upperBounds, cumulativeCounts);
        Debug.Assert(
            count >= 0 && (cumulativeCounts.IsEmpty || cumulativeCounts[^1] <= count),
            "Bucket counts are cumulative and never exceed the total count.");

        EncodeBounds(upperBounds);
        WriteFiniteBuckets(name, labels, cumulativeCounts[..upperBounds.Length]);
        WriteLine(name, "_bucket"u8, labels, "le=\""u8, double.PositiveInfinity, count);
        WriteLine(name, "_sum"u8, labels, default, null, sum);
        WriteLine(name, "_count"u8, labels, default, null, count);
    }

    /// <summary>
    /// The finite bucket lines of one histogram series. They all start with the same <c>name_bucket{labels,</c>, so
    /// the space for every line is asked for once, the prefix is encoded once and then copied, and each line adds its
    /// pre-encoded <c>le</c> and its count: bucket lines are half of a fleet's exposition.
    /// </summary>
    private void WriteFiniteBuckets(string name, LabelSet labels, ReadOnlySpan<double> cumulativeCounts)
    {
        if (cumulativeCounts.IsEmpty)
        {
            return;
        }

        int prefixLength = name.Length + "_bucket{"u8.Length + (labels.IsEmpty ? 0 : labels.Encoded.Length + 1);
        int longestLine = prefixLength + GoFloat.MaxLength + "le=\"\"} \n"u8.Length + GoFloat.MaxLength;
        Span<byte> span = _buffer.GetSpan(checked(longestLine * cumulativeCounts.Length));
        int at = Encoding.ASCII.GetBytes(name, span);
        "_bucket{"u8.CopyTo(span[at..]);
        at += "_bucket{"u8.Length;
        if (!labels.IsEmpty)
        {
            labels.Encoded.CopyTo(span[at..]);
            at += labels.Encoded.Length;
            span[at++] = (byte)',';
        }

        Debug.Assert(at == prefixLength);
        for (int i = 0; i < cumulativeCounts.Length; i++)
        {
            if (i > 0)
            {
                span[..prefixLength].CopyTo(span[at..]);
                at += prefixLength;
            }

            var le = _leText.AsSpan(_leStarts[i], _leStarts[i + 1] - _leStarts[i]);
            le.CopyTo(span[at..]);
            at += le.Length;
            span[at++] = (byte)'}';
            span[at++] = (byte)' ';
            at += GoFloat.Format(cumulativeCounts[i], span[at..], _openMetrics);
            span[at++] = (byte)'\n';
        }

        _buffer.Advance(at);
        _ownSamples += cumulativeCounts.Length;
    }

    /// <summary>
    /// <see cref="WriteSummary(ReadOnlySpan{Label}, ReadOnlySpan{ValueTuple{double, double}}, double, double)"/> with
    /// pre-encoded label sets, written in the order <paramref name="first"/>, <paramref name="second"/>, <paramref name="third"/>.
    /// </summary>
    public void WriteSummary(LabelSet first, LabelSet second, LabelSet third, ReadOnlySpan<(double Quantile, double Value)> quantiles, double count, double sum)
    {
        ThrowIfNotWritable();
        string name = CurrentFamily(MetricType.Summary);
        AssertDisjoint(first, second, third);
        foreach (var (q, _) in quantiles)
        {
            if (!(q >= 0 && q <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(quantiles), q, "Quantiles lie in [0, 1].");
            }
        }

        if (first.Contains("quantile") || second.Contains("quantile") || third.Contains("quantile"))
        {
            throw new ArgumentException("The 'quantile' label is written by WriteSummary.", nameof(first));
        }

        foreach (var (q, value) in quantiles)
        {
            _buffer.WriteAscii(name);
            WriteLabels(first, second, third, "quantile=\""u8, q);
            WriteValue(value);
        }

        _buffer.WriteAscii(name);
        _buffer.Write("_sum"u8);
        WriteLabels(first, second, third, default, null);
        WriteValue(sum);
        _buffer.WriteAscii(name);
        _buffer.Write("_count"u8);
        WriteLabels(first, second, third, default, null);
        WriteValue(count);
    }

    /// <summary>Ends the exposition: OpenMetrics "MUST end with EOF" (<c># EOF\n</c>); 0.0.4 has no terminator. Idempotent.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            return;
        }

        if (_continuation is not null)
        {
            _continuation.Finish();
        }
        else if (_openMetrics)
        {
            _buffer.Write("# EOF\n"u8);
        }

        _finished = true;
    }

    /// <summary>Returns the buffer to the pool; <see cref="WrittenMemory"/> must no longer be used.</summary>
    public void Dispose()
    {
        _disposed = true;
        _buffer.Dispose();
        _continuation?.Dispose();
    }

    private void WriteHelpLine(string name, bool counterSuffix, string help)
    {
        _buffer.Write("# HELP "u8);
        WriteFamilyName(name, counterSuffix);
        _buffer.Write((byte)' ');
        _buffer.WriteEscapedUtf8(help, _openMetrics ? OpenMetricsHelpEscapes : TextHelpEscapes);
        _buffer.Write((byte)'\n');
    }

    private void WriteTypeLine(string name, bool counterSuffix, MetricType type)
    {
        _buffer.Write("# TYPE "u8);
        WriteFamilyName(name, counterSuffix);
        _buffer.Write(type switch
        {
            MetricType.Counter => " counter\n"u8,
            MetricType.Gauge => " gauge\n"u8,
            MetricType.Summary => " summary\n"u8,
            _ => " histogram\n"u8,
        });
    }

    private void WriteFamilyName(string name, bool counterSuffix)
    {
        _buffer.WriteAscii(name);
        if (counterSuffix)
        {
            _buffer.Write("_total"u8);
        }
    }

    private void WriteHistogramLine(
        string name, ReadOnlySpan<byte> suffix, ReadOnlySpan<Label> labels, double? leBound, double value)
    {
        _buffer.WriteAscii(name);
        _buffer.Write(suffix);
        WriteLabels(labels, "le=\""u8, leBound);
        WriteValue(value);
    }

    private void WriteLabels(ReadOnlySpan<Label> labels, double? leBound) => WriteLabels(labels, "le=\""u8, leBound);

    /// <summary>Writes the label set, plus <paramref name="extraName"/> (<c>le</c> or <c>quantile</c>) with a float value when given.</summary>
    private void WriteLabels(ReadOnlySpan<Label> labels, ReadOnlySpan<byte> extraName, double? extraValue)
    {
        if (labels.IsEmpty && extraValue is null)
        {
            return;
        }

        _buffer.Write((byte)'{');
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                _buffer.Write((byte)',');
            }

            _buffer.WriteAscii(labels[i].Name);
            _buffer.Write("=\""u8);
            _buffer.WriteEscapedUtf8(labels[i].Value, LabelValueEscapes);
            _buffer.Write((byte)'"');
        }

        if (extraValue is double bound)
        {
            // The le/quantile value uses the same float text as sample values: Go %g (+Inf for infinity),
            // and in OpenMetrics the canonical ".0" form ("Canonical Numbers").
            if (!labels.IsEmpty)
            {
                _buffer.Write((byte)',');
            }

            _buffer.Write(extraName);
            _buffer.Write(LabelValueText(bound));
            _buffer.Write((byte)'"');
        }

        _buffer.Write((byte)'}');
    }

    /// <summary>
    /// A <c>quantile</c> or <c>le</c> value as text, from a small cache: a scrape has a handful of distinct ones
    /// (0.5, 0.9, 0.95, 0.99, +Inf) on hundreds of thousands of lines, each otherwise a shortest-digits search and an
    /// array. The search starts after the last hit because summaries ask for their quantiles in the same order every
    /// time, so a hit is usually the first entry looked at; past the capacity, entries are replaced in turn.
    /// (A direct-mapped cache let 0.5 and 0.95 evict each other on every summary: 9 MB per scrape at 12,500 nodes.)
    /// </summary>
    private byte[] LabelValueText(double value)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        var count = _labelValueTextCount;
        var i = _lastLabelValueText;
        for (var k = 0; k < count; k++)
        {
            i = i + 1 < count ? i + 1 : 0;
            if (_labelValueTexts[i].Bits == bits)
            {
                _lastLabelValueText = i;
                return _labelValueTexts[i].Text;
            }
        }

        Span<byte> text = stackalloc byte[GoFloat.MaxLength];
        var encoded = text[..GoFloat.Format(value, text, _openMetrics)].ToArray();
        if (count < LabelValueTextSlots)
        {
            i = _labelValueTextCount++;
        }
        else
        {
            i = (_lastLabelValueText + 1) % LabelValueTextSlots;
        }

        _labelValueTexts[i] = (bits, encoded);
        _lastLabelValueText = i;
        return encoded;
    }

    /// <summary>
    /// Encodes <c>le="…"</c> for each bound once and reuses it while histograms share their bounds (they
    /// usually do: one engine's buckets across a fleet), so bucket lines cost copies, not float formatting.
    /// </summary>
    private void EncodeBounds(ReadOnlySpan<double> bounds)
    {
        if (bounds.SequenceEqual(_leBounds))
        {
            return;
        }

        _leBounds = bounds.ToArray();
        _leStarts = new int[bounds.Length + 1];
        var text = new byte[bounds.Length * (GoFloat.MaxLength + 5)];
        var at = 0;
        for (int i = 0; i < bounds.Length; i++)
        {
            _leStarts[i] = at;
            "le=\""u8.CopyTo(text.AsSpan(at));
            at += 4;
            at += GoFloat.Format(bounds[i], text.AsSpan(at), _openMetrics);
            text[at++] = (byte)'"';
        }

        _leStarts[bounds.Length] = at;
        _leText = text;
    }

    private void WriteLine(string name, ReadOnlySpan<byte> suffix, LabelSet labels, ReadOnlySpan<byte> extraName, double? extraValue, double value)
    {
        _buffer.WriteAscii(name);
        _buffer.Write(suffix);
        WriteLabels(labels, LabelSet.Empty, LabelSet.Empty, extraName, extraValue);
        WriteValue(value);
    }

    /// <summary>The pre-encoded sets in order, then the extra float label (<c>le</c>/<c>quantile</c>) when given.</summary>
    private void WriteLabels(LabelSet first, LabelSet second, LabelSet third, ReadOnlySpan<byte> extraName, double? extraValue)
    {
        if (first.IsEmpty && second.IsEmpty && third.IsEmpty && extraValue is null)
        {
            return;
        }

        _buffer.Write((byte)'{');
        bool any = false;
        foreach (var set in (ReadOnlySpan<LabelSet>)[first, second, third])
        {
            if (set.IsEmpty)
            {
                continue;
            }

            if (any)
            {
                _buffer.Write((byte)',');
            }

            _buffer.Write(set.Encoded);
            any = true;
        }

        if (extraValue is double bound)
        {
            if (any)
            {
                _buffer.Write((byte)',');
            }

            _buffer.Write(extraName);
            _buffer.Write(LabelValueText(bound));
            _buffer.Write((byte)'"');
        }

        _buffer.Write((byte)'}');
    }

    [Conditional("DEBUG")]
    private static void AssertDisjoint(LabelSet first, LabelSet second, LabelSet third)
    {
        foreach (var n in second.Names)
        {
            Debug.Assert(!first.Contains(n), $"label '{n}' appears twice");
        }

        foreach (var n in third.Names)
        {
            Debug.Assert(!first.Contains(n) && !second.Contains(n), $"label '{n}' appears twice");
        }
    }

    private void WriteValue(double value)
    {
        _ownSamples++;
        Span<byte> span = _buffer.GetSpan(GoFloat.MaxLength + 2);
        span[0] = (byte)' ';
        int at = 1 + GoFloat.Format(value, span[1..], _openMetrics);
        span[at++] = (byte)'\n';
        _buffer.Advance(at);
    }

    /// <summary>The current family's name, checking it suits the writer method (Gauge stands for counter or gauge).</summary>
    private string CurrentFamily(MetricType kind)
    {
        if (_familyName is null)
        {
            throw new InvalidOperationException("Call BeginFamily before writing samples.");
        }

        var actual = _familyType is MetricType.Counter ? MetricType.Gauge : _familyType;
        if (actual != kind)
        {
            throw new InvalidOperationException(_familyType switch
            {
                MetricType.Histogram => $"The current family '{_familyName}' is a histogram; use WriteHistogram.",
                MetricType.Summary => $"The current family '{_familyName}' is a summary; use WriteSummary.",
                _ => $"The current family '{_familyName}' is a {_familyType}; {(kind == MetricType.Histogram ? "WriteHistogram needs a histogram" : "WriteSummary needs a summary")} family.",
            });
        }

        return _familyName;
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw new InvalidOperationException("The exposition is finished; nothing may follow it.");
        }

        if (_continuation is not null)
        {
            throw new InvalidOperationException("After WriteConcurrently only Finish may follow: the second block's families come after this writer's.");
        }
    }
}
