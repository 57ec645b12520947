using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// A server under load in its own process (the collector host, or this benchmark's empty endpoint),
/// listening on a free loopback port; its RSS and CPU time are read from /proc. Killed by PID on dispose.
/// </summary>
internal sealed class ChildHost : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ChildHost(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int Pid => _process.Id;

    /// <summary>Starts <c>dotnet dll args</c> with <paramref name="environment"/> and waits until <c>/healthz</c> answers.</summary>
    public static async Task<ChildHost> StartAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, int port)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"not built: {dll} (dotnet build -c Release {Path.GetFileNameWithoutExtension(dll)})");
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var host = new ChildHost(process, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++) // ≤ 30 s: a cold start on a busy machine
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var response = await http.GetAsync(new Uri(host.BaseUrl + "/healthz")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        var output = host.LastOutput;
        host.Dispose();
        throw new InvalidOperationException($"{dll} did not become healthy on {host.BaseUrl}:\n{output}");
    }

    public string LastOutput
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join('\n', _lastLines);
            }
        }
    }

    /// <summary>Resident set size from /proc/PID/status (VmRSS), in MB.</summary>
    public double RssMb()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>User + system CPU time the process has used so far (/proc/PID/stat fields 14 and 15).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is index 0
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
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
            // already gone
        }

        _process.Dispose();
    }
}
