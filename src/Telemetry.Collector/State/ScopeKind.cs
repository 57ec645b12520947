namespace Telemetry.Collector.State;

/// <summary>The scopes KPIs are computed for (DESIGN §4); the <c>scope</c> label of every KPI.</summary>
public enum ScopeKind
{
    Fleet,
    Site,
    Pool,
    Model,
    GpuModel,
    Tier,
    Node,
    Server,
}

public static class ScopeKinds
{
    public static string LabelOf(ScopeKind kind) => kind switch
    {
        ScopeKind.Fleet => "fleet",
        ScopeKind.Site => "site",
        ScopeKind.Pool => "pool",
        ScopeKind.Model => "model",
        ScopeKind.GpuModel => "gpu_model",
        ScopeKind.Tier => "tier",
        ScopeKind.Node => "node",
        _ => "server",
    };
}
