using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Doctor;

/// <summary>
/// Checks the collector as the agent meets it: <c>/healthz</c> answers, then <c>GET /v1/auth/check?node=…</c>
/// with this node's bearer token — the collector's ingest authorization without sending (and so counting) a
/// report. 204 means reports from this node will be accepted.
/// </summary>
public static class CollectorChecks
{
    /// <summary>Checks the collector this node is assigned to (<paramref name="url"/>, from <see cref="Sharding.CollectorAssignment"/>).</summary>
    public static async Task<List<DoctorFinding>> RunAsync(string url, CollectorClientOptions collector, string node, HttpClient http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(collector);
        var subject = $"collector {url}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
        {
            return [DoctorFinding.Fail(subject, "not a usable URL", "set Agent:Collector:Url (or Agent:Collector:Urls:N) to the collector's base URL, e.g. http://collector:9464")];
        }

        try
        {
            using (var health = await http.GetAsync(new Uri(baseUrl, "/healthz"), ct).ConfigureAwait(false))
            {
                if (!health.IsSuccessStatusCode)
                {
                    return [DoctorFinding.Fail(subject, $"answers /healthz with HTTP {(int)health.StatusCode}: it may not be a telemetry collector",
                        "check Agent:Collector:Url: host and port of telemetry-collector (Collector:Listen on that host)")];
                }
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/v1/auth/check?node=" + Uri.EscapeDataString(node)));
            if (collector.Token.Length > 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", collector.Token);
            }

            using var answer = await http.SendAsync(request, ct).ConfigureAwait(false);
            var reason = ErrorOf(await answer.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            return answer.StatusCode switch
            {
                HttpStatusCode.NoContent => [DoctorFinding.Ok(subject, $"reachable; reports for node '{node}' are accepted")],
                HttpStatusCode.Unauthorized => [DoctorFinding.Fail(subject, $"reachable, but the token is rejected (401): {reason}",
                    collector.Token.Length == 0
                        ? "set Agent:Collector:Token to this node's token from the collector's Collector:Auth:Tokens"
                        : "Agent:Collector:Token is not one of the collector's Collector:Auth:Tokens:N:Token: copy the right one")],
                HttpStatusCode.Forbidden => [DoctorFinding.Fail(subject, $"reachable, but reports for node '{node}' are refused (403): {reason}",
                    $"add '{node}' to that token's Collector:Auth:Tokens:N:Nodes on the collector, or set Agent:Node to a node the token is for")],
                HttpStatusCode.NotFound => [DoctorFinding.Warn(subject, "reachable; this collector version cannot check tokens (no /v1/auth/check)",
                    "upgrade the collector, or watch the agent's log for 401/403 after start")],
                _ => [DoctorFinding.Fail(subject, $"token check answered HTTP {(int)answer.StatusCode}: {reason}", "see the collector's log")],
            };
        }
        catch (HttpRequestException ex)
        {
            return [DoctorFinding.Fail(subject, "unreachable: " + (ex.InnerException?.Message ?? ex.Message),
                "start the collector, or fix Agent:Collector:Url; the collector must listen on an address this node can reach (Collector:Listen, not 127.0.0.1 when remote) and firewalls must allow the port")];
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return [DoctorFinding.Fail(subject, $"unreachable: no answer within {http.Timeout.TotalSeconds:0.#} s",
                "check Agent:Collector:Url and that the network path (firewall, proxy) lets this node reach it")];
        }
    }

    /// <summary>The collector's <c>{"error": "…"}</c> reason, or the body as it came when it is not that.</summary>
    private static string ErrorOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not the collector's error document: show it as it came.
        }

        return body.Trim();
    }
}
