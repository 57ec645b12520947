using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Doctor;

/// <summary>
/// <c>telemetry-agent doctor</c>: configuration, power sources, every configured server and the collector, each
/// checked once and reported in plain words with the fix. Runs even when the configuration is invalid, so one
/// run shows every problem. Sends no report and changes nothing.
/// </summary>
public static class AgentDoctor
{
    /// <summary>Per network check: long enough for a loaded server, short enough that a dead one is named quickly.</summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<DoctorFinding>> RunAsync(AgentOptions options, IReadOnlyList<string> configurationErrors, ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configurationErrors);
        var findings = new List<DoctorFinding>();
        if (configurationErrors.Count == 0)
        {
            findings.Add(DoctorFinding.Ok("configuration", $"valid; node '{options.ResolvedNode}', site '{options.Site}', pool '{options.Pool}', interval {options.IntervalSeconds} s"));
        }
        else
        {
            findings.AddRange(configurationErrors.Select(e => DoctorFinding.Fail("configuration", e,
                "correct that key in the --config file, the Agent__… environment variable or the --Agent:… argument (docs/configuration.md)")));
        }

        findings.AddRange(PowerChecks.Run(options.Power, loggers, time));
        using var http = new HttpClient { Timeout = NetworkTimeout };
        findings.AddRange(await ServerChecks.RunAsync(options.Servers, http, ct).ConfigureAwait(false));
        if (CollectorAssignmentCheck.Run(options.Collector, options.ResolvedNode, out var collectorUrl) is { } assignment)
        {
            findings.Add(assignment);
        }

        if (collectorUrl is not null)
        {
            // The collector is reached as `run` reaches it (its CA, if any) — unless the configuration is broken.
            using var collectorHttp = configurationErrors.Count == 0 ? Reporting.CollectorHttp.Create(options.Collector, NetworkTimeout) : new HttpClient { Timeout = NetworkTimeout };
            findings.AddRange(await CollectorChecks.RunAsync(collectorUrl, options.Collector, options.ResolvedNode, collectorHttp, ct).ConfigureAwait(false));
        }

        return findings;
    }
}
