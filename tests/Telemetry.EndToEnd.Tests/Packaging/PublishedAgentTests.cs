using System.Text.Json;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>The published single-file agent runs from a clean directory without a .NET installation.</summary>
public sealed class PublishedAgentTests(PublishedAgent agent) : IClassFixture<PublishedAgent>
{
    [Fact]
    public void Publishing_gives_one_executable_file()
    {
        // Besides the binary only debug symbols may appear; no DLLs, no runtimeconfig: nothing else to copy to a node.
        Assert.Equal(["telemetry-agent"], agent.PublishedFiles.Where(f => !f.EndsWith(".pdb", StringComparison.Ordinal)));
        Assert.True(OperatingSystem.IsLinux() && (File.GetUnixFileMode(agent.Binary) & UnixFileMode.UserExecute) != 0, "not executable");
        Assert.Equal([agent.Binary], Directory.GetFiles(agent.CleanDirectory.FullName));
    }

    [Fact]
    public void Version_is_stamped_with_the_release_and_the_commit()
    {
        var (code, output) = agent.Run(new Dictionary<string, string>(), "--version");
        Assert.True(code == 0, output);
        Assert.Matches("^telemetry-agent 0\\.1\\.0\\+[0-9a-f]{40}\\n$", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Help_lists_every_command()
    {
        var (code, output) = agent.Run(new Dictionary<string, string>(), "--help");
        Assert.True(code == 0, output);
        foreach (var command in new[] { "run", "inspect --url URL", "gpus [--json]", "doctor", "--version" })
        {
            Assert.Contains("  " + command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_published_binary_reads_nvml_and_writes_json()
    {
        // The real work path (P/Invoke into the fake NVML, System.Text.Json) in the trimmed-down single file.
        var config = Path.Combine(agent.CleanDirectory.FullName, "fake-nvml.conf");
        File.WriteAllText(config, "devices=2\ntime_s=10\ndevice0.power_w=300\n");
        var (code, output) = agent.Run(new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = config,
            ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
        }, "gpus", "--json");
        File.Delete(config);

        Assert.True(code == 0, output);
        var text = output.ReplaceLineEndings("\n");
        var json = text[text.IndexOf("{\n", StringComparison.Ordinal)..(text.IndexOf("\n}\n", StringComparison.Ordinal) + 2)]; // stdout's object; log lines (stderr) follow it
        using var doc = JsonDocument.Parse(json);
        var gpus = doc.RootElement.GetProperty("gpus");
        Assert.Equal(2, gpus.GetArrayLength());
        Assert.Equal(3000.0, gpus[0].GetProperty("energy_joules").GetDouble()); // 300 W x 10 s on the fake's clock
    }
}
