using System.Text;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests;

/// <summary>The real captures from /work/shared/fixtures, copied next to the test assembly.</summary>
internal static class Fixtures
{
    public const string Vllm = "vllm-v1-dynamo-qwen3-0.6b-excerpt.prom";
    public const string Sglang = "sglang-dynamo-qwen3-0.6b-tokenizer-excerpt.prom";
    public const string Triton = "triton-core-nv-inference-from-trtllm-readme.prom";
    public const string Dcgm = "dcgm-exporter-l4-580.prom";

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures");

    /// <summary>Payloads written for these tests from the reference tables (or captured here), in Payloads/.</summary>
    public static string PayloadDirectory => Path.Combine(AppContext.BaseDirectory, "Payloads");

    public static ParsedPayload Payload(string name) => Parse(File.ReadAllBytes(Path.Combine(PayloadDirectory, name)));

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static IEnumerable<string> All() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.prom").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static ParsedPayload Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    public static ParsedPayload Parse(byte[] utf8)
    {
        var ok = PrometheusTextParser.TryParse(utf8, out var payload, out var error);
        Assert.True(ok, $"parse failed: {error}");
        return payload!;
    }

    public static PrometheusParseError ParseError(string text) => ParseError(Encoding.UTF8.GetBytes(text));

    public static PrometheusParseError ParseError(byte[] utf8)
    {
        var ok = PrometheusTextParser.TryParse(utf8, out var payload, out var error);
        Assert.False(ok, "parse unexpectedly succeeded");
        Assert.Null(payload);
        return error!;
    }
}
