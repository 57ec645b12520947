using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Power;

namespace Telemetry.Agent.Tests.Power;

public sealed class NvmlPowerSourceTests
{
    [Fact]
    public void A_missing_library_is_an_error_in_plain_words_and_the_source_keeps_answering()
    {
        using var source = new NvmlPowerSource("/nonexistent/dir/libnvidia-ml.so.1", NullLogger.Instance, TimeProvider.System);
        var first = source.Read();
        var second = source.Read(); // within the retry interval: the same error, no new attempt, no exception
        Assert.Empty(first.Gpus);
        var error = Assert.Single(first.Errors);
        Assert.StartsWith("nvml: ", error, StringComparison.Ordinal);
        Assert.Contains("libnvidia-ml", error, StringComparison.Ordinal);
        Assert.Equal(first.Errors, second.Errors);
    }
}
