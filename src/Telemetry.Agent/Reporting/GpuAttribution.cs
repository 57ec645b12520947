using System.Globalization;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Which GPUs a server runs on: the configured <c>Gpus</c> (indices or UUIDs), or, when none are
/// configured and the node has a single server, every GPU of the node. With several servers and no
/// configuration nothing is attributed (the agent warns at start): a guess would put one server's
/// joules on another's tokens.
/// </summary>
public static class GpuAttribution
{
    public static IEnumerable<string> Resolve(ServerOptions server, IReadOnlyList<GpuReading> gpus, int serverCount)
    {
        if (server.Gpus.Count == 0)
        {
            return serverCount == 1 ? gpus.Select(g => g.Uuid) : [];
        }

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
}
