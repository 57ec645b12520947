using System.Diagnostics;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>
/// Loading cases one process cannot repeat (the first loaded library stays bound): each runs
/// <see cref="Probe.NvmlProbe"/> in a child with its own LD_LIBRARY_PATH and FAKE_NVML_* environment.
/// </summary>
public sealed class ProcessIsolatedTests : IDisposable
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(60); // only so a hang cannot stall the run

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("nvml-tests-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void Default_search_finds_a_directory_holding_only_libnvidia_ml_so_1()
    {
        var libraryDirectory = _scratch.CreateSubdirectory("driver-only");
        File.Copy(FakeNvml.MainPath, Path.Combine(libraryDirectory.FullName, "libnvidia-ml.so.1"));
        var config = WriteConfig("devices=1\ndevice0.name=NVIDIA A100-SXM4-80GB\ndevice0.power_w=250");

        var result = RunProbe("-", new() { ["LD_LIBRARY_PATH"] = libraryDirectory.FullName, ["FAKE_NVML_CONFIG"] = config });

        Assert.Equal(["libnvidia-ml.so.1"], libraryDirectory.GetFiles().Select(f => f.Name));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("libnvidia-ml.so.1", result.Values["loaded_from"]);
        Assert.Equal("NVIDIA A100-SXM4-80GB", result.Values["device0.name"]);
        Assert.Equal("250", result.Values["device0.power_w"]);
    }

    [Fact]
    public void Old_driver_without_memory_v2_falls_back_to_v1()
    {
        var config = WriteConfig("device0.memory_used=1000\ndevice0.memory_reserved=24");

        var result = RunProbe(FakeNvml.OldDriverPath, new() { ["FAKE_NVML_CONFIG"] = config });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Success", result.Values["device0.memory_status"]);
        Assert.Equal("True", result.Values["device0.memory_v1"]);
        Assert.Equal("1024", result.Values["device0.memory_used"]); // v1 "used" counts reserved memory
    }

    [Fact]
    public void Init_error_from_the_environment_reaches_the_exception()
    {
        var result = RunProbe(FakeNvml.MainPath, new() { ["FAKE_NVML_INIT_ERROR"] = "18" });

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("18", result.Values["error.code"]);
        Assert.Equal(
            "nvmlInit_v2 failed: NVML_ERROR_LIB_RM_VERSION_MISMATCH (18): RM has detected an NVML/RM version mismatch.",
            result.Values["error.message"]);
    }

    [Fact]
    public void Old_driver_degrades_per_function_processes_v1_temperature_deprecated_no_power_fields()
    {
        var config = WriteConfig("device0.temperature=55\ndevice0.processes=1234:4096,5678:8192");

        var result = RunProbe(FakeNvml.OldDriverPath, new() { ["FAKE_NVML_CONFIG"] = config });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("55", result.Values["device0.temperature"]);
        Assert.Equal("True", result.Values["device0.temperature_deprecated"]);
        Assert.Equal("Success", result.Values["device0.processes_status"]);
        Assert.Equal("1234:4096,5678:8192", result.Values["device0.processes"]);
        Assert.Equal("True", result.Values["processes_v1"]);
        Assert.Equal("none", result.Values["device0.power_average_w"]); // field 185 arrived with 12.2
    }

    [Fact]
    public void Proc_stride_32_from_the_environment_is_probed_and_decoded()
    {
        var config = WriteConfig("devices=2\ndevice1.processes=100:1,200:2,300:3");

        var result = RunProbe(FakeNvml.MainPath, new() { ["FAKE_NVML_CONFIG"] = config, ["FAKE_NVML_PROC_STRIDE"] = "32" });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Values["device0.processes"]);
        Assert.Equal("100:1,200:2,300:3", result.Values["device1.processes"]);
        Assert.Equal("32", result.Values["process_stride"]);
        Assert.Equal("False", result.Values["processes_v1"]);
    }

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_scratch.FullName, "fake-nvml.conf");
        File.WriteAllText(path, text);
        return path;
    }

    private static ProbeResult RunProbe(string libraryPath, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(ProcessIsolatedTests).Assembly.Location);
        start.ArgumentList.Add("open");
        start.ArgumentList.Add(libraryPath);
        foreach (var name in new[] { "LD_LIBRARY_PATH", "FAKE_NVML_CONFIG", "FAKE_NVML_INIT_ERROR", "FAKE_NVML_PROC_STRIDE" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ChildTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"probe did not exit within {ChildTimeout}");
        }

        var values = stdout.Result
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        Assert.True(values.Count > 0, $"probe printed nothing; exit {process.ExitCode}; stderr: {stderr.Result}");
        return new ProbeResult(process.ExitCode, values);
    }

    /// <summary>The muxer that runs this test host, so the child uses the same runtime.</summary>
    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private sealed record ProbeResult(int ExitCode, Dictionary<string, string> Values);
}
