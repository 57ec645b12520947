using System.Diagnostics;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// Debian's <c>chromium</c> run headless against a page: the rendered DOM after the page's scripts ran, or a
/// screenshot. Missing browser = a failure saying how to install it. <c>--no-sandbox</c> because CI runs as root.
/// </summary>
internal static class HeadlessChromium
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90); // only so a hang cannot stall the run

    public static string Path { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists) ?? "";

    public static string DumpDom(string url, int virtualTimeMs) => Run(["--dump-dom", $"--virtual-time-budget={virtualTimeMs}", url]).Stdout;

    public static void Screenshot(string url, string file, int virtualTimeMs)
    {
        var (stdout, stderr) = Run([$"--screenshot={file}", "--window-size=1280,900", "--hide-scrollbars", $"--virtual-time-budget={virtualTimeMs}", url]);
        Assert.True(File.Exists(file) && new FileInfo(file).Length > 0, $"chromium wrote no screenshot {file}\n{stdout}\n{stderr}");
    }

    private static (string Stdout, string Stderr) Run(IEnumerable<string> args)
    {
        Assert.True(Path.Length > 0, "chromium not found: install it with `apt-get install -y chromium` (.ci/run does)");
        var profile = Directory.CreateTempSubdirectory("chromium-profile-");
        try
        {
            var info = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions", $"--user-data-dir={profile.FullName}"])
            {
                info.ArgumentList.Add(a);
            }

            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + Path);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Patience))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish within {Patience}");
            }

            return (stdout.Result, stderr.Result);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
