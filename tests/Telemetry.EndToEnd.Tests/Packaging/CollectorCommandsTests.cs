namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// <c>telemetry-collector healthcheck</c> (the container HEALTHCHECK) and <c>--version</c>, run as processes
/// against the real collector of the doctor tests.
/// </summary>
public sealed class CollectorCommandsTests(DoctorCollector collector) : IClassFixture<DoctorCollector>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // only so a hang cannot stall the run

    [Fact]
    public void Healthcheck_passes_against_a_serving_collector_and_fails_against_a_silent_port()
    {
        var (ok, okOutput) = Run(["healthcheck"], collector.Url);
        Assert.True(ok == 0, okOutput);
        Assert.Contains($"{collector.Url}/healthz: HTTP 200", okOutput, StringComparison.Ordinal);

        var dead = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var (failed, failedOutput) = Run(["healthcheck"], dead);
        Assert.True(failed == 1, failedOutput);
        Assert.Contains($"{dead}/healthz:", failedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_listen_address_is_probed_on_loopback()
    {
        var port = new Uri(collector.Url).Port;
        var (code, output) = Run(["healthcheck"], $"http://0.0.0.0:{port}");
        Assert.True(code == 0, output);
        Assert.Contains($"http://127.0.0.1:{port}/healthz: HTTP 200", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_is_stamped_with_the_release_and_the_commit()
    {
        var (code, output) = Run(["--version"], collector.Url);
        Assert.True(code == 0, output);
        Assert.Matches("^telemetry-collector 0\\.1\\.0\\+[0-9a-f]{40}\\n$", output.ReplaceLineEndings("\n"));
    }

    private static (int Code, string Output) Run(string[] args, string listen)
    {
        using var process = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", args, new Dictionary<string, string> { ["Collector__Listen"] = listen });
        var code = process.WaitForExit(Patience);
        Assert.True(code is not null, "no exit within " + Patience + "\n" + process.Output);
        return (code.Value, process.Output);
    }
}
