namespace Telemetry.Agent.Configuration;

/// <summary>
/// <c>Agent:Servers:N:Proxy</c>: the metering proxy in front of one inference server (docs/proxy.md).
/// Disabled while <see cref="Listen"/> is empty. Tenants, users and tiers are attribution only: the
/// proxy never authenticates or rejects a request on them.
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>Where clients connect, e.g. <c>http://127.0.0.1:8081</c>; empty = no proxy.</summary>
    public string Listen { get; set; } = "";

    /// <summary>The server's base URL, e.g. <c>http://127.0.0.1:8080</c>; paths are appended unchanged.</summary>
    public string Upstream { get; set; } = "";

    /// <summary>Request header naming the tenant (used as given, truncated); empty = the API key, hashed.</summary>
    public string TenantHeader { get; set; } = "";

    /// <summary>Salt of the API-key hash. Set one per deployment: without it equal keys hash equally everywhere.</summary>
    public string TenantSalt { get; set; } = "";

    /// <summary>Hashed tenant (<c>key-…</c> as it appears on /metrics) → readable alias.</summary>
    public Dictionary<string, string> TenantAliases { get; set; } = [];

    /// <summary>Tenant (after aliasing) → price tier; wins over <see cref="TierHeader"/>.</summary>
    public Dictionary<string, string> TenantTiers { get; set; } = [];

    /// <summary>Request header naming the tier, when the tenant has no mapped tier; else the server's Tier.</summary>
    public string TierHeader { get; set; } = "";

    /// <summary>Request header naming the end user; else the OpenAI body's <c>user</c> field; else the tenant. Always hashed.</summary>
    public string UserHeader { get; set; } = "";

    /// <summary>A user counts as active until this long after its last request (tokens per user-hour).</summary>
    public double ActiveUserSeconds { get; set; } = 300;

    /// <summary>Largest request body accepted (413 above); 16 MiB holds any chat prompt short of images.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 << 20;

    /// <summary>Upstream response headers must arrive within this (a generation may stream for much longer).</summary>
    public double UpstreamTimeoutSeconds { get; set; } = 300;

    public bool Enabled => Listen.Length > 0;
}
