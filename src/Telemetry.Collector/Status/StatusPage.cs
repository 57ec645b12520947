namespace Telemetry.Collector.Status;

/// <summary>
/// The collector's first page (<c>GET /</c>): one self-contained HTML file (status.html, embedded) with inline
/// CSS and script and no external assets, so it works air-gapped. It polls <c>/api/v1/kpis</c> and
/// <c>/api/v1/nodes</c> itself; the server only serves the bytes.
/// </summary>
public static class StatusPage
{
    /// <summary>How often the page refreshes itself; the KPIs move per second, people read them slower.</summary>
    public const int RefreshSeconds = 5;

    public static ReadOnlyMemory<byte> Html { get; } = Load();

    private static byte[] Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Telemetry.Collector.Status.status.html")
            ?? throw new InvalidOperationException("status.html is not embedded in the collector assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
