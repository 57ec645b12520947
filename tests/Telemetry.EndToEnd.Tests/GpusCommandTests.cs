using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// <c>telemetry-agent gpus --json</c> as an operator runs it: the built agent, the gcc-built fake NVML on a
/// fixed clock (time_s), environment-only configuration. The listed energy must be the library's counter.
/// </summary>
public sealed class GpusCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // only so a hang cannot stall the run

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("gpus-command-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void Json_lists_every_gpu_with_the_library_counter_and_explains_an_unavailable_source()
    {
        // Fixed clock at 10 s: counters are exactly 250 W x 10 s and (0.8 x 100 + 0.2 x 400) x 10 = 1600 J.
        var config = Path.Combine(_scratch.FullName, "fake-nvml.conf");
        File.WriteAllText(config, """
            devices=3
            time_s=10
            device0.power_w=250
            device0.processes=4242:1073741824
            device1.period_s=1
            device1.trace=0:100,0.8:400
            device2.energy=unsupported
            device2.arch=4
            """);
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["gpus", "--json"], new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = config,
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Sources__1"] = "rapl",
            ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
            ["Agent__Power__SysfsRoot"] = _scratch.FullName, // no powercap tree here
        });

        Assert.Equal(0, agent.WaitForExit(Patience));
        using var json = JsonDocument.Parse(JsonOf(agent));
        var gpus = json.RootElement.GetProperty("gpus").EnumerateArray().ToList();
        Assert.Equal(3, gpus.Count);
        Assert.Equal(2500.0, gpus[0].GetProperty("energy_joules").GetDouble());
        Assert.Equal(1600.0, gpus[1].GetProperty("energy_joules").GetDouble());
        Assert.Equal(["counter", "counter", "integrated"], gpus.Select(g => g.GetProperty("energy_method").GetString()));
        Assert.Equal(250.0, gpus[0].GetProperty("power_watts").GetDouble());
        Assert.Equal([4242], gpus[0].GetProperty("process_ids").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal("GPU-fa4e0000-0000-4000-8000-000000000001", gpus[1].GetProperty("uuid").GetString());
        var sources = json.RootElement.GetProperty("sources").EnumerateArray().ToList();
        Assert.Equal([("nvml", true), ("rapl", false)], sources.Select(s => (s.GetProperty("name").GetString(), s.GetProperty("available").GetBoolean())));
        Assert.Equal($"rapl: no RAPL zones under {_scratch.FullName}/class/powercap", sources[1].GetProperty("errors")[0].GetString());
    }

    [Fact]
    public void Missing_library_is_a_reason_in_plain_words_and_other_sources_still_answer()
    {
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["gpus", "--json"], new Dictionary<string, string>
        {
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Sources__1"] = "simulated",
            ["Agent__Power__Nvml__LibraryPath"] = Path.Combine(_scratch.FullName, "libnvidia-ml.so.1"),
        });

        Assert.Equal(0, agent.WaitForExit(Patience));
        using var json = JsonDocument.Parse(JsonOf(agent));
        var nvml = json.RootElement.GetProperty("sources")[0];
        Assert.False(nvml.GetProperty("available").GetBoolean());
        Assert.Contains("does not exist", nvml.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(2, json.RootElement.GetProperty("gpus").GetArrayLength()); // the simulated GPUs
    }

    /// <summary>
    /// The JSON object on stdout, between log lines (stderr, merged into Output). The process may have exited
    /// before its asynchronously read output has all arrived, so wait for the closing brace.
    /// </summary>
    private static string JsonOf(HostProcess agent)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var output = agent.Output.ReplaceLineEndings("\n");
            var start = output.IndexOf("{\n", StringComparison.Ordinal);
            var end = output.IndexOf("\n}\n", StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                return output[start..(end + 2)];
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "no JSON object in output:\n" + output);
            Thread.Sleep(20);
        }
    }
}
