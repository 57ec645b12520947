using Telemetry.Collector.State;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// OTLP attributes built from the same labels, with the same names, as the Prometheus series of
/// <see cref="Metrics.MetricsRenderer"/> and <see cref="Metrics.KpiFamilies"/>, so a query can move
/// between the two exports unchanged.
/// </summary>
internal static class OtlpTags
{
    public static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    /// <summary><c>scope</c>, the scope's own labels, <c>window</c>, then the family's extra attributes.</summary>
    public static KeyValuePair<string, object?>[] ForKpi(KpiView k, params ReadOnlySpan<KeyValuePair<string, object?>> extra)
    {
        var tags = new KeyValuePair<string, object?>[k.ScopeLabels.Count + 2 + extra.Length];
        tags[0] = Tag("scope", ScopeKinds.LabelOf(k.Scope));
        for (var i = 0; i < k.ScopeLabels.Count; i++)
        {
            tags[i + 1] = new(k.ScopeLabels[i].Key, k.ScopeLabels[i].Value);
        }

        tags[k.ScopeLabels.Count + 1] = Tag("window", k.Window);
        extra.CopyTo(tags.AsSpan(k.ScopeLabels.Count + 2));
        return tags;
    }

    public static KeyValuePair<string, object?>[] Node(NodeView n) => [Tag("node", n.Node), Tag("site", n.Site), Tag("pool", n.Pool)];

    public static KeyValuePair<string, object?>[] Gpu(NodeView n, GpuView g) =>
    [
        Tag("node", n.Node), Tag("site", n.Site), Tag("pool", n.Pool),
        Tag("gpu", g.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)), Tag("gpu_uuid", g.Uuid), Tag("gpu_model", g.Name),
    ];

    public static KeyValuePair<string, object?>[] Server(NodeView n, ServerView sv) =>
    [
        Tag("node", n.Node), Tag("site", n.Site), Tag("pool", n.Pool), Tag("server", sv.Name), Tag("engine", sv.Engine), Tag("role", sv.Role),
    ];

    /// <summary>Server labels, model, the engine's own labels (renamed as on /metrics), then <paramref name="extra"/>.</summary>
    public static KeyValuePair<string, object?>[] Stream(NodeView n, ServerView sv, StreamView st, KeyValuePair<string, object?> extra)
    {
        var tags = new KeyValuePair<string, object?>[8 + st.Labels.Count];
        tags[0] = Tag("node", n.Node);
        tags[1] = Tag("site", n.Site);
        tags[2] = Tag("pool", n.Pool);
        tags[3] = Tag("server", sv.Name);
        tags[4] = Tag("engine", sv.Engine);
        tags[5] = Tag("model", st.Model);
        tags[6] = Tag("role", sv.Role);
        for (var i = 0; i < st.Labels.Count; i++)
        {
            tags[7 + i] = Tag(Metrics.MetricsRenderer.StreamLabelName(st.Labels[i].Key), st.Labels[i].Value);
        }

        tags[^1] = extra;
        return tags;
    }
}
