using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Renders an <see cref="EngineReading"/> as the <c>inspect</c> JSON (DESIGN §6, a contract):
/// absent values omitted, numbers in shortest round-trip invariant form, indented, LF line ends.
/// JSON has no NaN or infinities, so such values are written as the strings <c>"NaN"</c>, <c>"+Inf"</c>, <c>"-Inf"</c>.
/// </summary>
public static class InspectJson
{
    private static readonly string[] HistogramOrder = [HistogramNames.Ttft, HistogramNames.Tpot, HistogramNames.E2e, HistogramNames.Queue];
    private static readonly string[] RequestOrder = [RequestOutcomes.Success, RequestOutcomes.Error, RequestOutcomes.Aborted];

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        // Model names and "+Inf" stay readable; this output is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(EngineReading r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("engine", r.Engine);
            json.WriteString("url", r.Url);
            json.WriteStartArray("streams");
            foreach (var stream in r.Streams)
            {
                WriteStream(json, stream);
            }

            json.WriteEndArray();
            WriteGpuPower(json, r.GpuPower);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Not in DESIGN §6's example: present only for engines that export GPU power themselves (Triton),
    /// as <c>"gpu_power": [{"gpu_uuid", "power_watts", "energy_joules"}]</c>, for cross-checking NVML.
    /// </summary>
    private static void WriteGpuPower(Utf8JsonWriter json, IReadOnlyList<EngineGpuPower> gpus)
    {
        if (gpus.Count == 0)
        {
            return;
        }

        json.WriteStartArray("gpu_power");
        foreach (var gpu in gpus)
        {
            json.WriteStartObject();
            json.WriteString("gpu_uuid", gpu.GpuUuid);
            WriteOptional(json, "power_watts", gpu.PowerWatts);
            WriteOptional(json, "energy_joules", gpu.EnergyJoules);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteStream(Utf8JsonWriter json, StreamReading s)
    {
        json.WriteStartObject();
        json.WriteString("model", s.Model);
        if (s.Labels.Count > 0)
        {
            json.WriteStartObject("labels");
            foreach (var (name, value) in s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        WriteOptional(json, "input_tokens", s.InputTokens);
        WriteOptional(json, "output_tokens", s.OutputTokens);
        if (s.Requests.Count > 0)
        {
            json.WriteStartObject("requests");
            foreach (var key in Ordered(s.Requests.Keys, RequestOrder))
            {
                json.WritePropertyName(key);
                WriteNumber(json, s.Requests[key]);
            }

            json.WriteEndObject();
        }

        WriteOptional(json, "running", s.Running);
        WriteOptional(json, "waiting", s.Waiting);
        WriteOptional(json, "kv_cache_usage_ratio", s.KvCacheUsageRatio);
        if (s.Histograms.Count > 0)
        {
            json.WriteStartObject("histograms");
            foreach (var key in Ordered(s.Histograms.Keys, HistogramOrder))
            {
                json.WritePropertyName(key);
                WriteHistogram(json, s.Histograms[key]);
            }

            json.WriteEndObject();
        }

        if (s.Derived.Count > 0)
        {
            json.WriteStartArray("derived");
            foreach (var field in s.Derived)
            {
                json.WriteStringValue(field);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteHistogram(Utf8JsonWriter json, HistogramReading h)
    {
        json.WriteStartObject();
        json.WritePropertyName("count");
        WriteNumber(json, h.Count);
        json.WritePropertyName("sum");
        WriteNumber(json, h.Sum);

        // One line, as DESIGN §6 shows it: [[le, count], …, ["+Inf", count]]. Twenty-odd pairs
        // at four indented lines each would bury the rest of the reading.
        var buckets = new ArrayBufferWriter<byte>(1024);
        buckets.Write("["u8);
        var n = Math.Min(h.UpperBounds.Length, h.CumulativeCounts.Length);
        for (var i = 0; i < n; i++)
        {
            WritePair(buckets, h.UpperBounds[i], h.CumulativeCounts[i]);
            buckets.Write(", "u8);
        }

        WritePair(buckets, double.PositiveInfinity, h.Count);
        buckets.Write("]"u8);
        json.WritePropertyName("buckets");
        json.WriteRawValue(buckets.WrittenSpan, skipInputValidation: true);
        json.WriteEndObject();
    }

    private static void WritePair(ArrayBufferWriter<byte> output, double bound, double count)
    {
        output.Write("["u8);
        WriteRawNumber(output, bound);
        output.Write(", "u8);
        WriteRawNumber(output, count);
        output.Write("]"u8);
    }

    /// <summary>Shortest round-trip invariant form, the same as <see cref="Utf8JsonWriter.WriteNumberValue(double)"/>.</summary>
    private static void WriteRawNumber(ArrayBufferWriter<byte> output, double value)
    {
        if (!double.IsFinite(value))
        {
            output.Write(double.IsNaN(value) ? "\"NaN\""u8 : value > 0 ? "\"+Inf\""u8 : "\"-Inf\""u8);
            return;
        }

        var span = output.GetSpan(32);
        if (!value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a double did not fit in 32 bytes");
        }

        output.Advance(written);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WritePropertyName(name);
            WriteNumber(json, v);
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf");
        }
    }

    /// <summary>Known keys in their contract order, then any others alphabetically.</summary>
    private static IEnumerable<string> Ordered(IEnumerable<string> keys, string[] order)
    {
        var present = keys.ToHashSet(StringComparer.Ordinal);
        foreach (var key in order)
        {
            if (present.Remove(key))
            {
                yield return key;
            }
        }

        foreach (var key in present.Order(StringComparer.Ordinal))
        {
            yield return key;
        }
    }
}
