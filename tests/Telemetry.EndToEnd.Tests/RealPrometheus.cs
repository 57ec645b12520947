using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package) on loopback with its own temporary
/// storage, scraping one target every second; queried through its HTTP API. Stopped by PID.
/// </summary>
internal sealed class RealPrometheus : IDisposable
{
    private const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly DirectoryInfo _dir;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private RealPrometheus(Process process, DirectoryInfo dir, string url)
    {
        _process = process;
        _dir = dir;
        Url = url;
    }

    public string Url { get; }

    public static RealPrometheus Start(string targetHostPort, string rulesFile = "")
    {
        if (!File.Exists(Binary))
        {
            throw new Xunit.Sdk.XunitException("prometheus not found at /usr/bin/prometheus: apt-get install -y prometheus");
        }

        var dir = Directory.CreateTempSubdirectory("telemetry-prometheus-");
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            {(rulesFile.Length > 0 ? $"rule_files: [\"{rulesFile}\"]" : "")}
            scrape_configs:
              - job_name: inference-telemetry
                static_configs:
                  - targets: ["{targetHostPort}"]
            """);
        var port = RepoPaths.FreePort();
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
        })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start prometheus");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RealPrometheus(process, dir, $"http://127.0.0.1:{port}");
    }

    /// <summary>Runs an instant query; returns the value of the first series, or null when the result is empty.</summary>
    public async Task<double?> QueryAsync(string promql)
    {
        string body;
        try
        {
            body = await _http.GetStringAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        }
        catch (HttpRequestException)
        {
            return null; // not up yet
        }

        using var doc = JsonDocument.Parse(body);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
        {
            return null;
        }

        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Health of the scrape target as Prometheus sees it ("up", "down", "unknown").</summary>
    public async Task<string?> TargetHealthAsync()
    {
        try
        {
            using var doc = JsonDocument.Parse(await _http.GetStringAsync($"{Url}/api/v1/targets"));
            var active = doc.RootElement.GetProperty("data").GetProperty("activeTargets");
            return active.GetArrayLength() == 0 ? null : active[0].GetProperty("health").GetString() + " " + active[0].GetProperty("lastError").GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _http.Dispose();
        _dir.Delete(recursive: true);
    }
}
