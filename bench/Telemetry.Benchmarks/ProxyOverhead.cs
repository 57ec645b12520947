using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;

namespace Telemetry.Benchmarks;

/// <summary>
/// The metering proxy's overhead (issue 6): one real llama-server on loopback, the same requests sent
/// direct and through the proxy, alternating in the same run so machine load hits both alike.
/// Latency: sequential streamed chat requests, client-side end to end. Throughput: concurrent clients,
/// alternating direct and proxied blocks. Targets: added p99 &lt; 1 ms, throughput ≥ 95% of direct.
/// </summary>
internal static class ProxyOverhead
{
    public static async Task<int> RunAsync(string[] args)
    {
        var binary = args.Length > 0 ? args[0] : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            ".cache", "inference-telemetry", "llama-server", "3.22.1", "llama-server");
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var model = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../shared/models/stories260K.gguf"));
        if (!File.Exists(binary) || !File.Exists(model))
        {
            Console.Error.WriteLine($"proxy-overhead needs llama-server ({binary}; tests/tools/build-llama-server.sh) and the model ({model})");
            return 2;
        }

        var port = FreePort();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-m", model, "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "-t", "1", "-np", "4", "-c", "512", "-a", "stories260K"])
        {
            info.ArgumentList.Add(a);
        }

        using var server = Process.Start(info)!;
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var direct = $"http://127.0.0.1:{port}";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; i < 200 && !await HealthyAsync(http, direct); i++)
            {
                await Task.Delay(100);
            }

            await using var proxy = new MeteringProxy(new ServerOptions { Name = "llama", Proxy = new ProxyOptions { Listen = "http://127.0.0.1:0", Upstream = direct } }, NullLoggerFactory.Instance);
            await proxy.StartAsync(CancellationToken.None);
            var proxied = proxy.ListenUrl.TrimEnd('/');

            for (var i = 0; i < 20; i++) // warm-up: JIT, connections, llama.cpp caches
            {
                await OneAsync(http, direct);
                await OneAsync(http, proxied);
            }

            var directMs = new List<double>();
            var proxyMs = new List<double>();
            for (var i = 0; i < requests; i++)
            {
                // Alternate which goes first, so neither always follows the other.
                if (i % 2 == 0)
                {
                    directMs.Add(await OneAsync(http, direct));
                    proxyMs.Add(await OneAsync(http, proxied));
                }
                else
                {
                    proxyMs.Add(await OneAsync(http, proxied));
                    directMs.Add(await OneAsync(http, direct));
                }
            }

            const int Clients = 4, Blocks = 6, PerBlock = 60;
            double directRps = 0, proxyRps = 0;
            for (var b = 0; b < Blocks; b++)
            {
                directRps += await ThroughputAsync(http, direct, Clients, PerBlock);
                proxyRps += await ThroughputAsync(http, proxied, Clients, PerBlock);
            }

            directRps /= Blocks;
            proxyRps /= Blocks;
            double P(List<double> v, double q)
            {
                var s = v.Order().ToArray();
                return s[(int)Math.Floor(q * (s.Length - 1))];
            }

            Console.WriteLine($"sequential streamed chat (max_tokens 8), {requests} each, interleaved:");
            Console.WriteLine($"  direct  p50 {P(directMs, 0.5):F3} ms  p99 {P(directMs, 0.99):F3} ms");
            Console.WriteLine($"  proxy   p50 {P(proxyMs, 0.5):F3} ms  p99 {P(proxyMs, 0.99):F3} ms");
            Console.WriteLine($"  added   p50 {P(proxyMs, 0.5) - P(directMs, 0.5):F3} ms  p99 {P(proxyMs, 0.99) - P(directMs, 0.99):F3} ms  (target p99 < 1 ms)");
            Console.WriteLine($"throughput, {Clients} clients, {Blocks} alternating blocks of {PerBlock} requests:");
            Console.WriteLine($"  direct {directRps:F1} req/s  proxy {proxyRps:F1} req/s  ratio {proxyRps / directRps:P1}  (target >= 95%)");
            Console.WriteLine($"client retries after a dropped connection (either path): {_retries}");
            Console.WriteLine($"proxy re-sends upstream after a dropped pooled connection: {proxy.UpstreamRetries}");
            return 0;
        }
        finally
        {
            server.Kill();
            server.WaitForExit(10_000);
        }
    }

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":8,\"temperature\":0,\"stream\":true}");

    /// <summary>Requests that met a connection llama-server had just closed (cpp-httplib), sent again; counted for both paths.</summary>
    private static int _retries;

    private static async Task<double> OneAsync(HttpClient http, string baseUrl)
    {
        for (var attempt = 0; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var content = new ByteArrayContent(Body);
                content.Headers.ContentType = new("application/json");
                using var response = await http.PostAsync(baseUrl + "/v1/chat/completions", content);
                response.EnsureSuccessStatusCode();
                await response.Content.CopyToAsync(Stream.Null);
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
            catch (HttpRequestException) when (attempt < 3)
            {
                Interlocked.Increment(ref _retries);
            }
        }
    }

    private static async Task<double> ThroughputAsync(HttpClient http, string baseUrl, int clients, int requests)
    {
        var started = Stopwatch.GetTimestamp();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                await OneAsync(http, baseUrl);
            }
        }));
        return requests / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<bool> HealthyAsync(HttpClient http, string baseUrl)
    {
        try
        {
            using var r = await http.GetAsync(baseUrl + "/health");
            return r.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
