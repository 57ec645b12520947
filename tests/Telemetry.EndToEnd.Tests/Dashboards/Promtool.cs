using System.Diagnostics;

namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// Runs Debian's <c>promtool</c> (package <c>prometheus</c>) or <c>amtool</c> (package
/// <c>prometheus-alertmanager</c>) with a bounded wait; fails with the install command when one is missing.
/// </summary>
internal static class Promtool
{
    private const string Binary = "/usr/bin/promtool";
    private const string AmtoolBinary = "/usr/bin/amtool";

    /// <summary>Generous: the long-range alert tests evaluate days of series; a hung promtool must not hang the run.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static (int ExitCode, string Output) Run(string workingDirectory, params string[] args) => RunWithInput(workingDirectory, null, args);

    /// <summary>Runs promtool with <paramref name="input"/> on its standard input (e.g. <c>check metrics</c>).</summary>
    public static (int ExitCode, string Output) RunWithInput(string workingDirectory, string? input, params string[] args) =>
        RunTool(Binary, "prometheus", workingDirectory, input, args);

    /// <summary>Runs Alertmanager's amtool.</summary>
    public static (int ExitCode, string Output) Amtool(string workingDirectory, params string[] args) =>
        RunTool(AmtoolBinary, "prometheus-alertmanager", workingDirectory, null, args);

    private static (int ExitCode, string Output) RunTool(string binary, string package, string workingDirectory, string? input, string[] args)
    {
        if (!File.Exists(binary))
        {
            throw new Xunit.Sdk.XunitException($"{Path.GetFileName(binary)} not found at {binary}: apt-get install -y {package}");
        }

        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + binary);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{binary} {string.Join(' ', args)} did not finish within {Limit.TotalMinutes} minutes");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
