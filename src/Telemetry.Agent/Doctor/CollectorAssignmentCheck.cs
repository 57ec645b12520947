using Telemetry.Agent.Configuration;
using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Doctor;

/// <summary>
/// Says which collector this node reports to and why — the shard a node lands on is not obvious from a URL
/// list. With an invalid collector configuration it names the problem and, when one URL is still usable, lets
/// the reachability check run against it.
/// </summary>
public static class CollectorAssignmentCheck
{
    public static DoctorFinding? Run(CollectorClientOptions collector, string node, out string? url)
    {
        ArgumentNullException.ThrowIfNull(collector);
        var errors = new List<string>();
        CollectorUrlsValidator.Validate(collector, errors);
        if (errors.Count > 0)
        {
            // The configuration finding already lists the errors; check the Url if it alone is usable.
            url = collector.Urls.Count == 0 && collector.Url.Length > 0 ? collector.Url : null;
            return url is null ? DoctorFinding.Fail("collector assignment", "no collector can be chosen: " + string.Join("; ", errors),
                "fix Agent:Collector:Url / Agent:Collector:Urls:N (docs/scale-out.md)") : null;
        }

        var assignment = CollectorAssignment.For(collector, node);
        url = assignment.Url;
        return DoctorFinding.Ok("collector assignment", $"node '{node}' reports to {assignment.Url}: {assignment.Reason}"
            + (assignment.Candidates > 1 ? "; no failover: while that shard is down this node's backlog keeps its reports" : ""));
    }
}
