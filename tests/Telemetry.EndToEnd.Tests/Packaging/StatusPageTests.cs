using System.Text.Json;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// The collector's status page (<c>GET /</c>) rendered by a real headless Chromium while the demo's simulated
/// agent reports: the page's own script fetches the JSON APIs and fills the fleet cards, the model table and the
/// node freshness table. A screenshot is kept as test output (its path is in the test log).
/// </summary>
[Collection("processes")]
public sealed class StatusPageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_status_page_shows_fleet_kpis_models_and_node_freshness_in_chromium()
    {
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector",
            ["--config", System.IO.Path.Combine(RepoPaths.Root, "demo", "collector.json"), $"--Collector:Listen={collectorUrl}"], new Dictionary<string, string>());
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["run", "--config", System.IO.Path.Combine(RepoPaths.Root, "demo", "agent.json"), $"--Agent:Collector:Url={collectorUrl}"], new Dictionary<string, string>());
        string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Wait until the fleet has a tokens-per-joule figure, so the page has something to show.
        double fleetTokensPerJoule = 0;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync(collectorUrl + "/api/v1/kpis?scope=fleet&window=1m"));
                var rows = json.RootElement.GetProperty("kpis");
                if (rows.GetArrayLength() == 1 && rows[0].TryGetProperty("tokens_per_joule", out var tpj) && tpj.TryGetProperty("output", out var o))
                {
                    fleetTokensPerJoule = o.GetDouble();
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            return false;
        }, TimeSpan.FromSeconds(60), Logs);

        var dom = HeadlessChromium.DumpDom(collectorUrl + "/", virtualTimeMs: 3000);

        Assert.Contains("<body data-state=\"ok\"", dom, StringComparison.Ordinal);
        var fleetCard = Between(dom, "id=\"fleet-tokens-per-joule\">", "<");
        Assert.NotEqual("–", fleetCard);
        Assert.InRange(double.Parse(fleetCard, System.Globalization.CultureInfo.InvariantCulture), fleetTokensPerJoule * 0.5, fleetTokensPerJoule * 2); // same figure, a few seconds apart
        Assert.Contains("<tr data-model=\"simulated-llama-3.1-8b\"><td class=\"text\">simulated-llama-3.1-8b</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<tr data-node=\"demo-node\"><td class=\"text\">demo-node</td><td class=\"text\">demo-site</td><td class=\"text\">demo-pool</td><td class=\"text up\">up</td>", dom, StringComparison.Ordinal);
        Assert.Matches("<td>[0-9]+ s ago</td>", dom);
        Assert.Contains("<option value=\"1m\">1m</option>", dom, StringComparison.Ordinal);

        var screenshot = System.IO.Path.Combine(RepoPaths.Root, "artifacts", "test-output", "status-page.png");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        HeadlessChromium.Screenshot(collectorUrl + "/", screenshot, virtualTimeMs: 3000);
        var png = File.ReadAllBytes(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        output.WriteLine($"status page screenshot: {screenshot} ({png.Length} bytes)");
    }

    [Fact]
    public async Task The_page_is_self_contained_html_that_loads_nothing_from_elsewhere()
    {
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [$"--Collector:Listen={collectorUrl}"], new Dictionary<string, string>());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage? page = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                page = await http.GetAsync(collectorUrl + "/");
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), () => collector.Output);

        using (page)
        {
            Assert.Equal("text/html; charset=utf-8", page!.Content.Headers.ContentType!.ToString());
            Assert.Contains("connect-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await page.Content.ReadAsStringAsync();
            Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
            Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
            Assert.InRange(html.Length, 1000, 20_000); // small enough to read, large enough to be the page
        }

        // No agent yet: the page says so instead of showing an empty table.
        var dom = HeadlessChromium.DumpDom(collectorUrl + "/", virtualTimeMs: 2000);
        Assert.Contains("no agent has reported yet", dom, StringComparison.Ordinal);
    }

    private static string Between(string text, string start, string end)
    {
        var i = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{start}' not in:\n{text}");
        i += start.Length;
        return text[i..text.IndexOf(end, i, StringComparison.Ordinal)];
    }
}
