using System.Text.Json;
using System.Text.RegularExpressions;

namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// The Grafana dashboards' JSON checked for what makes them import cleanly anywhere (Grafana itself
/// is not installable here): a datasource variable and no hard-coded data source uid, stable uids,
/// the template variables, a unit on every panel, and <c>$__rate_interval</c> in every rate.
/// </summary>
public sealed partial class DashboardJsonTests
{
    /// <summary>Hand-chosen and stable: links and provisioning rely on them.</summary>
    private static readonly string[] ExpectedUids =
        ["inference-capacity-planning", "inference-collector-health", "inference-fleet-overview", "inference-model-economics", "inference-node-gpu"];

    private static readonly string[] Variables = ["datasource", "site", "pool", "model", "node", "tier"];

    /// <summary>Grafana unit ids used here (packages/grafana-data valueFormats) plus custom suffix units.</summary>
    private static readonly string[] KnownUnits =
        ["watt", "joule", "kwatth", "currencyUSD", "s", "percentunit", "short", "none", "reqps", "bytes", "celsius", "hertz"];

    public static TheoryData<string> Files() => [.. DashboardPaths.Dashboards.Select(f => Path.GetFileName(f))];

    private static JsonElement Load(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(DashboardPaths.Grafana, file))).RootElement;

    [Fact]
    public void The_five_dashboards_have_their_stable_uids()
    {
        var uids = DashboardPaths.Dashboards.Select(f => Load(Path.GetFileName(f)).GetProperty("uid").GetString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ExpectedUids, uids);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_dashboard_has_the_datasource_variable_and_the_template_variables(string file)
    {
        var d = Load(file);
        Assert.False(d.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "no numeric id: Grafana assigns one on import");
        Assert.False(d.TryGetProperty("__inputs", out _), "no __inputs: the datasource variable replaces them");
        var list = d.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Equal(Variables, list.Select(v => v.GetProperty("name").GetString()).ToArray());
        Assert.Equal("datasource", list[0].GetProperty("type").GetString());
        Assert.Equal("prometheus", list[0].GetProperty("query").GetString());
        foreach (var v in list)
        {
            // No author-machine state: nothing selected is saved.
            Assert.Equal(JsonValueKind.Object, v.GetProperty("current").ValueKind);
            Assert.Empty(v.GetProperty("current").EnumerateObject());
            if (v.GetProperty("type").GetString() == "query")
            {
                Assert.Equal("${datasource}", v.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.Contains("label_values(", v.GetProperty("definition").GetString(), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_panel_uses_the_datasource_variable_and_has_a_unit(string file)
    {
        var panels = Panels(Load(file)).ToList();
        Assert.True(panels.Count >= 8, $"{file} has only {panels.Count} panels");
        foreach (var p in panels)
        {
            var title = p.GetProperty("title").GetString();
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
            var unit = p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()!;
            Assert.True(KnownUnits.Contains(unit) || unit.StartsWith("suffix:", StringComparison.Ordinal), $"{file} '{title}': unit {unit}");
            Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("description").GetString()), $"{file} '{title}' has no description");
            foreach (var t in p.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal("${datasource}", t.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"{file} '{title}' has an empty query");
            }
        }

        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_rate_uses_rate_interval_and_units_match_the_metrics(string file)
    {
        foreach (var (title, unit, expr) in Queries(Load(file)))
        {
            foreach (Match m in RangeFunction().Matches(expr))
            {
                Assert.True(m.Groups[2].Value is "$__rate_interval" or "$__range", $"{file} '{title}': {m.Value} should use [$__rate_interval]");
            }

            if (PowerGauge().IsMatch(expr))
            {
                Assert.Equal("watt", unit);
            }

            if (expr.Contains("inference_gpu_clock", StringComparison.Ordinal))
            {
                Assert.Equal("hertz", unit); // exported in Hz, not MHz
            }

            if (expr.Contains("cost_per_million_tokens_usd", StringComparison.Ordinal))
            {
                Assert.Equal("currencyUSD", unit);
            }

            if (expr.Contains("tokens_per_joule", StringComparison.Ordinal))
            {
                Assert.Equal("suffix: tok/J", unit);
            }
        }
    }

    [Fact]
    public void The_drilldown_plots_the_sm_clock_of_each_gpu_against_its_maximum()
    {
        var panel = Panels(Load("node-gpu.json")).Single(p => p.GetProperty("title").GetString() == "SM clock vs max");
        var exprs = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList();

        Assert.Equal("hertz", panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString());
        Assert.Equal(2, exprs.Count);
        Assert.StartsWith("inference_gpu_clock_hertz{clock=\"sm\", ", exprs[0], StringComparison.Ordinal);
        Assert.StartsWith("inference_gpu_clock_max_hertz{clock=\"sm\", ", exprs[1], StringComparison.Ordinal);
        Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Contains("{{gpu}}", t.GetProperty("legendFormat").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void No_dashboard_carries_a_hard_coded_data_source_uid()
    {
        foreach (var f in DashboardPaths.Dashboards)
        {
            var text = File.ReadAllText(f);
            var own = Load(Path.GetFileName(f)).GetProperty("uid").GetString();
            foreach (Match m in UidValue().Matches(text))
            {
                var uid = m.Groups[1].Value;
                Assert.True(uid == "${datasource}" || uid == own, $"{Path.GetFileName(f)}: hard-coded uid {uid}");
            }
        }
    }

    internal static IEnumerable<JsonElement> Panels(JsonElement dashboard) =>
        dashboard.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row");

    /// <summary>Every (panel title, unit, PromQL) of a dashboard.</summary>
    internal static IEnumerable<(string Title, string Unit, string Expr)> Queries(JsonElement dashboard) =>
        from p in Panels(dashboard)
        from t in p.GetProperty("targets").EnumerateArray()
        select (p.GetProperty("title").GetString()!, p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()!, t.GetProperty("expr").GetString()!);

    [GeneratedRegex(@"\b(rate|increase|irate)\([^\[]*\[([^\]]+)\]")]
    private static partial Regex RangeFunction();

    [GeneratedRegex(@"^(sum by \([a-z, ]+\) \()?inference_gpu_power_watts\{[^}]*\}\)?$")]
    private static partial Regex PowerGauge();

    [GeneratedRegex(@"""uid"":\s*""([^""]*)""")]
    private static partial Regex UidValue();
}
