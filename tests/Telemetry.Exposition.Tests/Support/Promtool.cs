using System.Diagnostics;

namespace Telemetry.Exposition.Tests.Support;

/// <summary>Runs <c>promtool check metrics</c> (Prometheus 2.42 lints 0.0.4 text read from stdin).</summary>
internal static class Promtool
{
    public const string MissingMessage = "promtool not found: apt-get install -y prometheus";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string? Find()
    {
        if (File.Exists("/usr/bin/promtool"))
        {
            return "/usr/bin/promtool";
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(directory, "promtool");
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(byte[] body)
    {
        string promtool = Find() ?? throw new InvalidOperationException(MissingMessage);
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(body);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
