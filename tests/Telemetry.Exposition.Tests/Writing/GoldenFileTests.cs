using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Writing;

public sealed class GoldenFileTests
{
    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, "representative.prom")]
    [InlineData(ExpositionFormat.OpenMetrics100, "representative.openmetrics.txt")]
    public void Representative_payload_matches_golden_file_byte_for_byte(ExpositionFormat format, string goldenFile)
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", goldenFile));

        byte[] actual = RepresentativePayload.ToArray(format);

        if (!actual.AsSpan().SequenceEqual(expected))
        {
            string actualPath = Path.Combine(Path.GetTempPath(), "actual-" + goldenFile);
            File.WriteAllBytes(actualPath, actual);
            Assert.Fail(
                $"Output differs from Golden/{goldenFile}; actual written to {actualPath}.\n" +
                $"First difference at byte {FirstDifference(actual, expected)}.\n--- actual ---\n{Encoding.UTF8.GetString(actual)}");
        }
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004)]
    [InlineData(ExpositionFormat.OpenMetrics100)]
    public void Growing_from_a_tiny_buffer_gives_the_same_bytes(ExpositionFormat format)
    {
        byte[] roomy = RepresentativePayload.ToArray(format, initialCapacity: 1 << 20);

        byte[] tiny = RepresentativePayload.ToArray(format, initialCapacity: 0);

        Assert.Equal(roomy, tiny);
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int common = a.AsSpan().CommonPrefixLength(b);
        return common;
    }
}
