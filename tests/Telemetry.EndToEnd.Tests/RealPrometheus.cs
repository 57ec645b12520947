using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package) on loopback with its own temporary
/// storage, scraping its targets every second; queried through its HTTP API. Stopped by PID.
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

    public static RealPrometheus Start(string targetHostPort, params string[] ruleFiles) => StartScraping([targetHostPort], ruleFiles);

    /// <summary>Scrapes several targets in one job (collector shards), each with its own <c>instance</c> label.</summary>
    public static RealPrometheus StartScraping(IReadOnlyList<string> targets, IReadOnlyList<string> ruleFiles) =>
        StartWith($"""
              - job_name: inference-telemetry
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"\"{t}\""))}]
            """, [.. ruleFiles]);

    /// <summary>Starts with the given <c>scrape_configs</c> entries (YAML list items, indented two spaces).</summary>
    public static RealPrometheus StartWith(string scrapeConfigs, params string[] ruleFiles)
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
            {(ruleFiles.Length > 0 ? $"rule_files: [{string.Join(", ", ruleFiles.Select(f => $"\"{f}\""))}]" : "")}
            scrape_configs:
            {scrapeConfigs}
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

    /// <summary>Runs an instant query (now, or at the given time); returns the value of the first series, or null when the result is empty.</summary>
    public async Task<double?> QueryAsync(string promql, double? atUnixSeconds = null)
    {
        string body;
        try
        {
            var at = atUnixSeconds is { } t ? "&time=" + t.ToString("F3", CultureInfo.InvariantCulture) : "";
            body = await _http.GetStringAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(promql)}{at}");
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

    /// <summary>
    /// Runs an instant query and returns its whole answer: the status ("success" or "error"), the error
    /// text, and the result series (labels and value). Null while Prometheus is not up yet.
    /// </summary>
    public async Task<QueryAnswer?> QueryAllAsync(string promql)
    {
        string body;
        try
        {
            using var response = await _http.GetAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(promql)}");
            body = await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var status = root.GetProperty("status").GetString()!;
        if (status != "success")
        {
            return new QueryAnswer(status, root.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "", []);
        }

        var series = new List<(Dictionary<string, string> Labels, double Value)>();
        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            series.Add(([], double.Parse(result[1].GetString()!, CultureInfo.InvariantCulture)));
        }
        else
        {
            foreach (var r in result.EnumerateArray())
            {
                var labels = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                series.Add((labels, double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
            }
        }

        return new QueryAnswer(status, "", series);
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

    /// <summary>Every active target's job, health ("up", "down", "unknown") and last scrape error; empty while Prometheus is not up.</summary>
    public async Task<IReadOnlyList<(string Job, string Health, string LastError)>> TargetsAsync()
    {
        try
        {
            using var doc = JsonDocument.Parse(await _http.GetStringAsync($"{Url}/api/v1/targets"));
            return [.. doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => (
                t.GetProperty("labels").GetProperty("job").GetString()!, t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString()!))];
        }
        catch (HttpRequestException)
        {
            return [];
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

/// <summary>One instant query's answer from the Prometheus HTTP API.</summary>
internal sealed record QueryAnswer(string Status, string Error, IReadOnlyList<(Dictionary<string, string> Labels, double Value)> Series);
