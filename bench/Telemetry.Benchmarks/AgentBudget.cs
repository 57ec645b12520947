using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Telemetry.Benchmarks;

/// <summary>
/// The agent's CPU and memory budget (issue 8 item 6; target &lt; 1% of one core, &lt; 60 MB working set
/// with 8 GPUs and 2 servers at 1 Hz): the real agent host process with the fake NVML (8 devices), two
/// vLLM servers serving the real vLLM capture from shared/fixtures on Kestrel, and a real collector.
/// After a warm-up, reads the agent's CPU time (utime + stime) and VmRSS from /proc/PID every second.
/// </summary>
internal static class AgentBudget
{
    /// <summary>The GC settings deploy/ gives the agent (systemd unit, kubernetes daemonset): measured as deployed.</summary>
    private static readonly Dictionary<string, string> DeployedRuntimeSettings = new()
    {
        ["DOTNET_GCgen0size"] = "0x200000",
        ["DOTNET_GCHeapHardLimit"] = "0x4000000",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 120;
        var warmUp = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
        var artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../.."));
        var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name;
        var agentDll = Path.Combine(artifacts, "Telemetry.Agent.Host", config, "telemetry-agent.dll");
        var collectorDll = Path.Combine(artifacts, "Telemetry.Collector.Host", config, "telemetry-collector.dll");
        var fixture = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../shared/fixtures/vllm-v1-dynamo-qwen3-0.6b-excerpt.prom"));
        foreach (var needed in new[] { agentDll, collectorDll, fixture })
        {
            if (!File.Exists(needed))
            {
                Console.Error.WriteLine($"agent-budget needs {needed} (dotnet build agent collector -c {config})");
                return 2;
            }
        }

        var dir = Directory.CreateTempSubdirectory("agent-budget-");
        var nvmlConfig = Path.Combine(dir.FullName, "fake-nvml.conf");
        var devices = string.Join('\n', Enumerable.Range(0, 8).Select(i =>
            $"device{i}.uuid=GPU-b{i:D7}-0000-0000-0000-000000000000\ndevice{i}.trace=0:300,0.5:450\ndevice{i}.period_s=1.0"));
        await File.WriteAllTextAsync(nvmlConfig, $"devices=8\nenergy_update_ms=10\n{devices}\n");

        var body = await File.ReadAllBytesAsync(fixture);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var servers = builder.Build();
        servers.MapGet("/{server}/metrics", (HttpContext ctx) => ctx.Response.Body.WriteAsync(body).AsTask());
        await servers.StartAsync();
        var serversUrl = servers.Urls.First();

        var collectorUrl = $"http://127.0.0.1:{FreePort()}";
        using var collector = Start(collectorDll, [], new() { ["Collector__Listen"] = collectorUrl });
        var env = new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = nvmlConfig,
            ["Agent__Node"] = "budget-node",
            ["Agent__IntervalSeconds"] = "1",
            ["Agent__Collector__Url"] = collectorUrl,
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Nvml__LibraryPath"] = Path.Combine(AppContext.BaseDirectory, "fake-nvml", "libnvidia-ml.so.1"),
        };
        foreach (var (k, v) in DeployedRuntimeSettings)
        {
            env[k] = v;
        }

        for (var s = 0; s < 2; s++)
        {
            env[$"Agent__Servers__{s}__Name"] = $"vllm-{s}";
            env[$"Agent__Servers__{s}__Url"] = $"{serversUrl}/vllm-{s}/metrics";
            env[$"Agent__Servers__{s}__Engine"] = "vllm";
            for (var g = 0; g < 4; g++)
            {
                env[$"Agent__Servers__{s}__Gpus__{g}"] = ((s * 4) + g).ToString(CultureInfo.InvariantCulture);
            }
        }

        using var agent = Start(agentDll, ["run"], env);
        try
        {
            Console.WriteLine($"agent PID {agent.Id}: warming up {warmUp} s, then measuring {seconds} s");
            await Task.Delay(TimeSpan.FromSeconds(warmUp));
            var ticksPerSecond = 100.0; // USER_HZ: /proc/PID/stat counts CPU time in clock ticks, 100 on Linux
            var (cpu0, wall0) = (CpuTicks(agent.Id), Stopwatch.GetTimestamp());
            var rss = new List<double>();
            for (var i = 0; i < seconds && !agent.HasExited; i++)
            {
                await Task.Delay(1000);
                rss.Add(RssMegabytes(agent.Id));
            }

            if (agent.HasExited)
            {
                Console.Error.WriteLine("the agent exited during the run");
                return 1;
            }

            var cpuSeconds = (CpuTicks(agent.Id) - cpu0) / ticksPerSecond;
            var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(collectorUrl + "/metrics");
            var up = metrics.Contains("inference_node_up{node=\"budget-node\"", StringComparison.Ordinal)
                && metrics.Split('\n').Any(l => l.StartsWith("inference_node_up{node=\"budget-node\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
            Console.WriteLine($"agent-budget: 8 GPUs (fake NVML), 2 vLLM servers ({body.Length} B each), 1 Hz, {wall:F0} s measured after {warmUp} s warm-up");
            Console.WriteLine($"  CPU  {cpuSeconds:F2} s over {wall:F0} s = {100 * cpuSeconds / wall:F2}% of one core (target < 1%)");
            Console.WriteLine($"  RSS  mean {rss.Average():F1} MB, max {rss.Max():F1} MB (target < 60 MB)");
            Console.WriteLine($"  collector sees the node up: {up}");
            return up ? 0 : 1;
        }
        finally
        {
            Stop(agent);
            Stop(collector);
            dir.Delete(recursive: true);
        }
    }

    private static Process Start(string dll, string[] args, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine(line);
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static void Stop(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat, after the parenthesised command name).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static double RssMegabytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
