using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Doctor;
using Telemetry.Agent.Reporting;

namespace Telemetry.Agent.Host;

/// <summary>
/// <c>telemetry-agent doctor</c>: binds the configuration without stopping at its errors, runs
/// <see cref="AgentDoctor"/>, and prints one line per check with the fix under it. Exit 0 when nothing
/// failed (warnings allowed), 1 otherwise.
/// </summary>
internal static class DoctorCommand
{
    public static async Task<int> RunAsync(IConfiguration configuration, ILoggerFactory loggers)
    {
        var options = new AgentOptions();
        var errors = new List<string>();
        try
        {
            configuration.GetSection(AgentOptions.SectionName).Bind(options);
            errors.AddRange(AgentOptionsValidator.Validate(options));
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ex.Message); // e.g. "Failed to convert configuration value at 'Agent:IntervalSeconds' ..."
        }

        Console.WriteLine($"telemetry-agent {ReportBuilder.AgentVersion} doctor");
        var findings = await AgentDoctor.RunAsync(options, errors, loggers, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        foreach (var f in findings)
        {
            var tag = f.Status switch
            {
                DoctorStatus.Ok => "[ ok ]",
                DoctorStatus.Warning => "[warn]",
                _ => "[FAIL]",
            };
            Console.WriteLine($"{tag} {f.Subject}: {f.Finding}");
            if (f.Fix is not null)
            {
                Console.WriteLine($"       fix: {f.Fix}");
            }
        }

        var failed = findings.Count(f => f.Status == DoctorStatus.Failed);
        var warned = findings.Count(f => f.Status == DoctorStatus.Warning);
        Console.WriteLine(failed == 0
            ? $"All checks passed{(warned > 0 ? $" ({warned} warning(s))" : "")}."
            : $"{failed} problem(s) found{(warned > 0 ? $", {warned} warning(s)" : "")}.");
        return failed == 0 ? 0 : 1;
    }
}
