using System.Text.Json.Serialization;
using Telemetry.Collector.State;

namespace Telemetry.Collector.Status;

/// <summary>
/// The <c>GET /api/v1/nodes</c> document: every node the collector knows, whether it is up and how old its
/// last report is — the freshness column of the status page, and a scriptable "which agents went quiet".
/// </summary>
public sealed record NodeStatusDocument(double TimestampSeconds, IReadOnlyList<NodeStatus> Nodes)
{
    public static NodeStatusDocument From(FleetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = snapshot.TakenMs / 1000.0;
        return new NodeStatusDocument(now, [.. snapshot.Nodes.Select(n => new NodeStatus(
            n.Node, n.Site, n.Pool, n.Up, n.LastReportSeconds, Math.Max(0, now - n.LastReportSeconds), n.AgentVersion,
            n.Gpus.Length, n.Servers.Length, n.Servers.Count(s => s.Up), n.SourceErrors))]);
    }
}

public sealed record NodeStatus(string Node, string Site, string Pool, bool Up, double LastReportSeconds, double AgeSeconds,
    string AgentVersion, int Gpus, int Servers, int ServersUp, IReadOnlyList<string> SourceErrors);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(NodeStatusDocument))]
public sealed partial class NodeStatusJsonContext : JsonSerializerContext;
