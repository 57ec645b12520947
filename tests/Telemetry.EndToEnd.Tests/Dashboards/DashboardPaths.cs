namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>Where the shipped dashboards, rules and rule tests live in the repository.</summary>
internal static class DashboardPaths
{
    public static string Prometheus => Path.Combine(RepoPaths.Root, "dashboards", "prometheus");

    public static string Rules => Path.Combine(Prometheus, "rules");

    public static string RuleTests => Path.Combine(Prometheus, "tests");

    public static string Grafana => Path.Combine(RepoPaths.Root, "dashboards", "grafana");

    /// <summary>Every rule file, in the order prometheus.yml loads them.</summary>
    public static string[] RuleFiles => [Path.Combine(Rules, "recording.yaml"), Path.Combine(Rules, "budget.yaml"), Path.Combine(Rules, "alerts.yaml")];

    public static string[] Dashboards => [.. Directory.GetFiles(Grafana, "*.json").Order(StringComparer.Ordinal)];
}
