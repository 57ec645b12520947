using System.Diagnostics;
using System.Text;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real llama.cpp <c>llama-server</c> (built by tests/tools/build-llama-server.sh from the npm
/// package node-llama-cpp@3.22.1) serving the stories260K model on a free loopback port with
/// <c>--metrics</c>; stopped by its PID on dispose. A missing binary or model fails with the fix.
/// </summary>
internal sealed class LlamaServerProcess : IDisposable
{
    public const string ModelAlias = "stories260K";

    /// <summary>stories260K was trained with 128-token sequences: every prompt + max_tokens stays within it.</summary>
    public const int ContextPerSlot = 128;

    private const string PackageVersion = "3.22.1";
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LlamaServerProcess(Process process, int port)
    {
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public string MetricsUrl => BaseUrl + "/metrics";

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>LLAMA_SERVER if set, else the build script's cache location.</summary>
    public static string BinaryPath =>
        Environment.GetEnvironmentVariable("LLAMA_SERVER") is { Length: > 0 } explicitPath ? explicitPath : Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "inference-telemetry", "llama-server", PackageVersion, "llama-server");

    public static string ModelPath => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "models", "stories260K.gguf"));

    /// <param name="contextTokens">Context of the server, shared by its 2 slots; the default keeps start-up cheap.</param>
    public static async Task<LlamaServerProcess> StartAsync(int contextTokens = 256)
    {
        if (!File.Exists(BinaryPath))
        {
            throw new Xunit.Sdk.XunitException(
                $"llama-server not found at {BinaryPath}. Build it once (about 6 min on 2 cores, cached afterwards): "
                + "tests/tools/build-llama-server.sh — it needs npm, git, cmake, ninja-build and g++ (apt-get install -y cmake ninja-build g++ git npm). "
                + "Or point LLAMA_SERVER at an existing binary.");
        }

        if (!File.Exists(ModelPath))
        {
            throw new Xunit.Sdk.XunitException($"model not found at {ModelPath}: the tests expect the shared models folder next to the checkout");
        }

        var port = RepoPaths.FreePort();
        var info = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-m", ModelPath, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--metrics", "-t", "1", "-np", "2", "-c", contextTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", ModelAlias])
        {
            info.ArgumentList.Add(arg);
        }

        var server = new LlamaServerProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start " + BinaryPath), port);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(async () => !server._process.HasExited && await IsHealthyAsync(http, server.BaseUrl), TimeSpan.FromSeconds(60),
            () => $"llama-server did not become healthy (exited: {server._process.HasExited})\n{server.Output}");
        return server;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static async Task<bool> IsHealthyAsync(HttpClient http, string baseUrl)
    {
        try
        {
            using var response = await http.GetAsync(baseUrl + "/health");
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 1_000_000) // enough for any failure message; bounds a chatty server
            {
                _output.AppendLine(line);
            }
        }
    }
}
