using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Sharding;

/// <summary>
/// Which collector this node reports to, and why (for the startup log and <c>agent doctor</c>). One URL
/// (<c>Agent:Collector:Url</c>) is a fixed per-node assignment; a list (<c>Agent:Collector:Urls:N</c>) is
/// sharded by node id with <see cref="RendezvousHash"/>, so every agent given the same list agrees on each
/// node's shard. No failover: while the chosen collector is down the backlog keeps the reports (docs/scale-out.md).
/// </summary>
public sealed record CollectorAssignment(string Url, string Reason, int Candidates)
{
    /// <summary>
    /// Assigns a validated configuration (<see cref="AgentOptionsValidator"/> has accepted it).
    /// </summary>
    public static CollectorAssignment For(CollectorClientOptions collector, string node)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(node);
        if (collector.Urls.Count == 0)
        {
            var url = collector.Url.Length > 0 ? collector.Url : CollectorClientOptions.DefaultUrl;
            var why = collector.Url.Length > 0 ? "the one collector set by Agent:Collector:Url" : "the default collector (Agent:Collector:Url is not set)";
            return new CollectorAssignment(url, why, 1);
        }

        var keys = collector.Urls.Select(Normalize).ToList();
        var chosen = RendezvousHash.Pick(node, keys);
        return new CollectorAssignment(collector.Urls[chosen].Trim(),
            collector.Urls.Count == 1
                ? "the only entry of Agent:Collector:Urls"
                : $"shard {chosen} of {collector.Urls.Count} in Agent:Collector:Urls, chosen by rendezvous hash of node id '{node}'",
            collector.Urls.Count);
    }

    /// <summary>
    /// The hash key of a collector URL: scheme and host lower-cased, default port dropped, no trailing slash
    /// (what <see cref="Uri"/> normalizes), so agents that write the same collector slightly differently agree.
    /// </summary>
    public static string Normalize(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new Uri(url.Trim(), UriKind.Absolute).AbsoluteUri.TrimEnd('/');
    }
}
