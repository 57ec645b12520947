using System.Diagnostics;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// The agent as operators get it: <c>dotnet publish agent -c Release -r linux-x64</c> (self-contained, single file,
/// ReadyToRun: agent/Telemetry.Agent.Host.csproj), once per test run, copied alone into a clean directory. Publishing
/// costs CPU, so the class fixture shares it between the tests of one run.
/// </summary>
public sealed class PublishedAgent : IDisposable
{
    private static readonly TimeSpan PublishPatience = TimeSpan.FromMinutes(15); // a loaded 2-core CI machine

    private readonly DirectoryInfo _publish = Directory.CreateTempSubdirectory("agent-publish-");

    public PublishedAgent()
    {
        CleanDirectory = Directory.CreateTempSubdirectory("agent-clean-");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Its own artifacts tree: restoring and building for a runtime identifier must not rewrite the libraries
        // that other test assemblies, running in parallel, start the hosts from.
        foreach (var a in (string[])["publish", Path.Combine(RepoPaths.Root, "agent", "Telemetry.Agent.Host.csproj"), "-c", "Release", "-r", "linux-x64",
            "-o", Path.Combine(_publish.FullName, "out"), $"-p:ArtifactsPath={Path.Combine(_publish.FullName, "artifacts")}{Path.DirectorySeparatorChar}", "-nologo"])
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(PublishPatience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish did not finish within {PublishPatience}");
        }

        PublishLog = stdout.Result + stderr.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet publish failed:\n" + PublishLog);
        }

        var output = new DirectoryInfo(Path.Combine(_publish.FullName, "out"));
        PublishedFiles = [.. output.GetFiles().Select(f => f.Name).Order(StringComparer.Ordinal)];
        Binary = Path.Combine(CleanDirectory.FullName, "telemetry-agent");
        File.Copy(Path.Combine(output.FullName, "telemetry-agent"), Binary);
    }

    public DirectoryInfo CleanDirectory { get; }

    /// <summary>The single file, alone in <see cref="CleanDirectory"/>.</summary>
    public string Binary { get; }

    public IReadOnlyList<string> PublishedFiles { get; }

    public string PublishLog { get; }

    /// <summary>Runs the binary from its clean directory with no .NET on PATH and no DOTNET_ variables.</summary>
    public (int Code, string Output) Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = CleanDirectory.FullName };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("Agent__", StringComparison.Ordinal) || k == "PATH").ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["PATH"] = "/usr/bin:/bin"; // where no dotnet lives
        info.Environment["HOME"] = CleanDirectory.FullName;
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the published agent did not exit within 60 s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        _publish.Delete(recursive: true);
        CleanDirectory.Delete(recursive: true);
    }
}
