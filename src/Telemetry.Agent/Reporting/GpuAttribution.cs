using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Discovery;
using Telemetry.Agent.Power;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Which GPUs each server runs on, in this order of evidence: the configured <c>Gpus</c> (indices or
/// UUIDs); else discovery — the server URL's port → listening socket → PID → its process tree, matched
/// to the PIDs NVML lists on each GPU; else, for a node's only server, every GPU. Otherwise none: a
/// guess would put one server's joules on another's tokens. The result is logged when it changes.
/// Energy of a GPU shared by several servers is split equally between them (<see cref="ShareOf"/>).
/// Not thread-safe: the sampling loop owns it.
/// </summary>
public sealed class GpuAttribution
{
    private readonly ServerProcessFinder? _finder;
    private readonly TimeSpan _rediscoverAfter;
    private readonly ILogger _logger;
    private readonly Dictionary<string, string> _lastLogged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ServerProcesses Processes, long AtMs, string GpuPids)> _discovered = new(StringComparer.Ordinal);

    /// <param name="finder">Null disables discovery.</param>
    /// <param name="rediscoverAfter">How long a server's process tree is trusted before /proc is scanned again.</param>
    /// <param name="logger">Where each server's attribution is logged at start and whenever it changes.</param>
    public GpuAttribution(ServerProcessFinder? finder, TimeSpan rediscoverAfter, ILogger? logger = null)
    {
        _finder = finder;
        _rediscoverAfter = rediscoverAfter;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>GPU UUIDs per server name, for this sample.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Resolve(IReadOnlyList<ServerOptions> servers, IReadOnlyList<GpuReading> gpus, long nowMs)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            var (uuids, how) = ResolveOne(server, gpus, servers.Count, nowMs);
            result[server.Name] = uuids;
            Log(server.Name, uuids, how);
        }

        return result;
    }

    /// <summary>
    /// The fraction of <paramref name="gpuUuid"/>'s energy a server attributed to it gets: 1 / (servers
    /// attributed to that GPU). Equal, not by token share: a token-share split would give every server
    /// on the GPU the same tokens per joule by construction, and would drop the energy of an interval in
    /// which none of them produced a token.
    /// </summary>
    public static double ShareOf(string gpuUuid, IReadOnlyDictionary<string, IReadOnlyList<string>> attribution)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        var servers = attribution.Values.Count(uuids => uuids.Contains(gpuUuid, StringComparer.Ordinal));
        return servers == 0 ? 0 : 1.0 / servers;
    }

    private (IReadOnlyList<string> Uuids, string How) ResolveOne(ServerOptions server, IReadOnlyList<GpuReading> gpus, int serverCount, long nowMs)
    {
        if (server.Gpus.Count > 0)
        {
            return (Configured(server, gpus), "configured");
        }

        if (Discover(server, gpus, nowMs) is { } discovered)
        {
            return discovered;
        }

        return serverCount == 1
            ? ([.. gpus.Select(g => g.Uuid)], "the node's only server")
            : ([], "not configured and not discovered; set Agent:Servers:N:Gpus");
    }

    private static List<string> Configured(ServerOptions server, IReadOnlyList<GpuReading> gpus)
    {
        var uuids = new List<string>(server.Gpus.Count);
        foreach (var entry in server.Gpus)
        {
            var match = uint.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? gpus.FirstOrDefault(g => g.Index == index)
                : gpus.FirstOrDefault(g => string.Equals(g.Uuid, entry, StringComparison.OrdinalIgnoreCase));
            if (match is not null && !uuids.Contains(match.Uuid))
            {
                uuids.Add(match.Uuid);
            }
        }

        return uuids;
    }

    private (IReadOnlyList<string>, string)? Discover(ServerOptions server, IReadOnlyList<GpuReading> gpus, long nowMs)
    {
        if (_finder is null || !gpus.Any(g => g.ProcessIds.Count > 0)
            || !Uri.TryCreate(server.Url, UriKind.Absolute, out var url) || url.Port <= 0)
        {
            return null;
        }

        // /proc is scanned again when NVML's process lists change (a server started or moved) or the tree grows stale.
        var gpuPids = string.Join(';', gpus.Select(g => string.Join(',', g.ProcessIds.Order())));
        if (!_discovered.TryGetValue(server.Name, out var known) || known.GpuPids != gpuPids
            || nowMs - known.AtMs >= _rediscoverAfter.TotalMilliseconds)
        {
            known = (_finder.Find(url.Port), nowMs, gpuPids);
            _discovered[server.Name] = known;
        }

        var tree = known.Processes.Tree;
        List<string> uuids = [.. gpus.Where(g => g.ProcessIds.Any(tree.Contains)).Select(g => g.Uuid)];
        if (uuids.Count == 0)
        {
            return null;
        }

        var pids = string.Join(",", known.Processes.Listeners);
        return (uuids, string.Create(CultureInfo.InvariantCulture,
            $"discovered: port {url.Port} → pid {pids} and {tree.Count - known.Processes.Listeners.Count} descendant(s) → NVML compute processes"));
    }

    private void Log(string server, IReadOnlyList<string> uuids, string how)
    {
        var text = (uuids.Count == 0 ? "no GPUs" : string.Join(", ", uuids)) + " (" + how + ")";
        if (_lastLogged.TryGetValue(server, out var last) && last == text)
        {
            return;
        }

        _lastLogged[server] = text;
        if (uuids.Count == 0)
        {
            _logger.LogWarning("Server {Server} runs on {Attribution}: its energy is node-level idle burn, its tokens per joule is not computed", server, text);
        }
        else
        {
            _logger.LogInformation("Server {Server} runs on {Attribution}", server, text);
        }
    }
}
