using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// Steady client traffic through the simulated fleet's metering proxies: every <see cref="Period"/>, one chat
/// request to each proxy, from the next (tenant, user) of that proxy's list in turn, so every user stays
/// active and per-tenant / per-tier tokens and user-seconds grow smoothly. Proxies differ in users per
/// tenant, so a tier's tokens per user-hour differs between nodes and an average of per-node ratios would
/// miss the true Σ tokens ÷ Σ user-hours. Bounded in count and time; stopped on dispose. Failures (e.g.
/// before a proxy listens) are counted, not thrown.
/// </summary>
internal sealed class ProxiedTraffic : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    /// <summary>Longer than any test using the fleet waits; the loop ends by itself even if never disposed.</summary>
    private static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(8);

    private const int MaxRounds = 6000;

    private readonly CancellationTokenSource _stop = new(MaxDuration);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Task _loop;
    private int _succeeded;
    private int _failed;
    private string? _lastFailure;

    /// <param name="proxies">Per proxy: its URL, the model its server serves, the tenants sending through it, and users per tenant.</param>
    public ProxiedTraffic(IReadOnlyList<Proxy> proxies) => _loop = Task.Run(() => RunAsync(proxies));

    public sealed record Proxy(string Url, string Model, string[] Tenants, int UsersPerTenant);

    public int Succeeded => Volatile.Read(ref _succeeded);

    public string Summary => $"proxied requests: {Succeeded} succeeded, {Volatile.Read(ref _failed)} failed; last failure: {_lastFailure ?? "none"}";

    private async Task RunAsync(IReadOnlyList<Proxy> proxies)
    {
        using var timer = new PeriodicTimer(Period);
        for (var round = 0; round < MaxRounds && await Tick(timer); round++)
        {
            await Task.WhenAll(proxies.Select(p => SendAsync(p, round)));
        }
    }

    private async Task<bool> Tick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SendAsync(Proxy proxy, int round)
    {
        var url = proxy.Url;
        var tenant = proxy.Tenants[round % proxy.Tenants.Length];
        var user = round / proxy.Tenants.Length % proxy.UsersPerTenant;
        var body = new JsonObject
        {
            ["model"] = proxy.Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hello" }),
            ["max_tokens"] = 50 + (round * 37 % 200),
            ["user"] = $"{tenant}-user-{user.ToString(CultureInfo.InvariantCulture)}",
        };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url + "/v1/chat/completions")
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Tenant", tenant);
            using var response = await _http.SendAsync(request, _stop.Token);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _succeeded);
                return;
            }

            _lastFailure = $"{url}: status {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            _lastFailure = $"{url}: {e.Message}";
        }

        Interlocked.Increment(ref _failed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _http.Dispose();
    }
}
