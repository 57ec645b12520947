using System.Text.RegularExpressions;

namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// The shipped Prometheus rules as Prometheus's own tool judges them: <c>promtool check rules</c> with
/// every lint fatal, the <c>promtool test rules</c> unit tests (each alert fires when it should and is
/// silent when it should not), and the example configuration. Plus the conventions promtool does not check.
/// </summary>
public sealed partial class RuleFileTests
{
    [Fact]
    public void Every_rule_file_passes_promtool_check_rules_with_lint_fatal()
    {
        var (code, output) = Promtool.Run(DashboardPaths.Rules, ["check", "rules", "--lint=all", "--lint-fatal", .. DashboardPaths.RuleFiles]);
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recording-test.yaml")]
    [InlineData("alerts-test.yaml")]
    [InlineData("efficiency-test.yaml")]
    [InlineData("agent-test.yaml")]
    [InlineData("proxy-test.yaml")]
    public void Promtool_rule_unit_tests_pass(string testFile)
    {
        var (code, output) = Promtool.Run(DashboardPaths.RuleTests, "test", "rules", testFile);
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rule_unit_tests_fail_when_an_alert_is_broken()
    {
        // The unit tests must be able to fail: with one threshold changed, the idle-burn test breaks.
        var dir = Directory.CreateTempSubdirectory("telemetry-rules-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "rules"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "tests"));
            foreach (var f in DashboardPaths.RuleFiles)
            {
                var text = File.ReadAllText(f);
                if (f.EndsWith("alerts.yaml", StringComparison.Ordinal))
                {
                    text = text.Replace("> 0.2 * max by", "> 0.5 * max by", StringComparison.Ordinal);
                }

                File.WriteAllText(Path.Combine(dir.FullName, "rules", Path.GetFileName(f)), text);
            }

            File.Copy(Path.Combine(DashboardPaths.RuleTests, "alerts-test.yaml"), Path.Combine(dir.FullName, "tests", "alerts-test.yaml"));
            var (code, output) = Promtool.Run(Path.Combine(dir.FullName, "tests"), "test", "rules", "alerts-test.yaml");
            Assert.True(code != 0, output);
            Assert.Contains("InferenceIdleGpuBurn", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_proxy_rule_tests_fail_when_user_seconds_are_not_summed_across_nodes()
    {
        // Taking one node's active-user seconds (max) instead of the sum makes acme's tokens per user-hour 54000, not 36000.
        var dir = Directory.CreateTempSubdirectory("telemetry-rules-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "rules"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "tests"));
            var recording = File.ReadAllText(Path.Combine(DashboardPaths.Rules, "recording.yaml"));
            const string Summed = "sum by (tenant, tier) (rate(inference_proxy_active_user_seconds_total[5m]))";
            Assert.Contains(Summed, recording, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "rules", "recording.yaml"), recording.Replace(Summed, "max by (tenant, tier) (rate(inference_proxy_active_user_seconds_total[5m]))", StringComparison.Ordinal));
            File.Copy(Path.Combine(DashboardPaths.RuleTests, "proxy-test.yaml"), Path.Combine(dir.FullName, "tests", "proxy-test.yaml"));
            var (code, output) = Promtool.Run(Path.Combine(dir.FullName, "tests"), "test", "rules", "proxy-test.yaml");
            Assert.True(code != 0, output);
            Assert.Contains("tier:inference_proxy_tokens_per_user_hour:ratio_rate5m", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_example_prometheus_yml_is_valid_and_loads_every_rule_file()
    {
        var (code, output) = Promtool.Run(DashboardPaths.Prometheus, "check", "config", "prometheus.yml");
        Assert.True(code == 0, output);
        Assert.Contains("3 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_severity_summary_description_a_runbook_and_a_unit_test()
    {
        var alerts = File.ReadAllText(Path.Combine(DashboardPaths.Rules, "alerts.yaml"));
        var tests = string.Concat(Directory.GetFiles(DashboardPaths.RuleTests, "*.yaml").Select(File.ReadAllText));
        var blocks = AlertBlock().Split(alerts).Skip(1).ToList();
        Assert.True(blocks.Count >= 9, $"expected at least 9 alerts, found {blocks.Count}");
        foreach (var block in blocks)
        {
            var name = block.Split('\n')[0].Trim();
            Assert.Matches("^Inference[A-Z][A-Za-z]+$", name);
            Assert.Matches(@"severity: (critical|warning|info)\n", block);
            Assert.Contains("summary: ", block, StringComparison.Ordinal);
            Assert.Contains("description: ", block, StringComparison.Ordinal);
            var runbook = Runbook().Match(block);
            Assert.True(runbook.Success, $"{name} has no runbook_url");
            Assert.True(File.Exists(Path.Combine(RepoPaths.Root, runbook.Groups[1].Value)), $"{name}: runbook {runbook.Groups[1].Value} is missing");

            // Tested firing (a non-empty exp_alerts) and silent (an empty one).
            Assert.Matches($@"alertname: {name}\n\s+exp_alerts: \[\]", tests);
            Assert.Matches($@"alertname: {name}\n\s+exp_alerts:\n\s+- exp_labels", tests);
        }
    }

    [Fact]
    public void Recording_rule_names_follow_level_metric_operations()
    {
        var text = File.ReadAllText(Path.Combine(DashboardPaths.Rules, "recording.yaml")) + File.ReadAllText(Path.Combine(DashboardPaths.Rules, "budget.yaml"));
        var names = RecordName().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.True(names.Count > 50, $"only {names.Count} recording rules");
        Assert.All(names, n => Assert.Matches("^[a-z_]+:[a-z_]+:[a-z0-9_]+$", n));
        Assert.DoesNotContain(names, n => n.Contains("_total:", StringComparison.Ordinal)); // _total is stripped after rate
    }

    [GeneratedRegex(@"^\s+- alert: ", RegexOptions.Multiline)]
    private static partial Regex AlertBlock();

    [GeneratedRegex(@"runbook_url: (docs/runbooks/[a-z-]+\.md)")]
    private static partial Regex Runbook();

    [GeneratedRegex(@"- record: (\S+)")]
    private static partial Regex RecordName();
}
