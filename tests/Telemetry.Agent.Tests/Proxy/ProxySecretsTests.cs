using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;
using Xunit;

namespace Telemetry.Agent.Tests.Proxy;

/// <summary>
/// Tenants' API keys pass through the metering proxy to the engine but appear in no log line (at Trace level,
/// on the success, upstream-error, upstream-down and over-limit paths) and in no ledger reading sent to the collector.
/// </summary>
public sealed class ProxySecretsTests
{
    private const string BearerKey = "sk-bearer-5ecret-0123456789";
    private const string ApiKeyHeader = "api-key-5ecret-abcdef012345";
    private const string XApiKeyHeader = "x-api-key-5ecret-fedcba9876";

    /// <summary>Keeps every formatted log line and exception text, at every level.</summary>
    private sealed class CapturingLoggers : ILoggerFactory, ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggers owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }

    private static async Task<MeteringProxy> StartAsync(string upstream, CapturingLoggers loggers)
    {
        var server = new ServerOptions { Name = "s", Proxy = new ProxyOptions { Listen = "http://127.0.0.1:0", Upstream = upstream, MaxRequestBodyBytes = 4096, TenantSalt = "pepper" } };
        var proxy = new MeteringProxy(server, loggers);
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    private static HttpRequestMessage Request(MeteringProxy proxy, string body, string header, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, proxy.ListenUrl + "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (header == "Authorization")
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        else
        {
            request.Headers.Add(header, key);
        }

        return request;
    }

    [Fact]
    public async Task Api_keys_reach_no_log_line_and_no_ledger_reading()
    {
        var loggers = new CapturingLoggers();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var tenants = new List<string>();
        await using (var upstream = await FakeUpstream.StartAsync())
        await using (var proxy = await StartAsync(upstream.BaseUrl, loggers))
        {
            (string Header, string Key)[] senders = [("Authorization", BearerKey), ("api-key", ApiKeyHeader), ("x-api-key", XApiKeyHeader)];
            foreach (var (header, key) in senders)
            {
                using var ok = await http.SendAsync(Request(proxy, "{\"model\":\"m\",\"stream\":true,\"messages\":[]}", header, key));
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
                await ok.Content.ReadAsStringAsync();
                using var failed = await http.SendAsync(Request(proxy, "{\"model\":\"fail\",\"stream\":true}", header, key));
                Assert.Equal(HttpStatusCode.TooManyRequests, failed.StatusCode);
                using var large = await http.SendAsync(Request(proxy, "{\"model\":\"m\",\"pad\":\"" + new string('x', 5000) + "\"}", header, key));
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
            }

            tenants.AddRange(proxy.Ledger.Drain(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Select(r => r.Tenant));
        }

        await using (var down = await StartAsync("http://127.0.0.1:1", loggers))
        {
            using var response = await http.SendAsync(Request(down, "{\"model\":\"m\"}", "Authorization", BearerKey));
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        var lines = loggers.Lines.ToArray();
        Assert.Contains(lines, l => l.Contains("listening", StringComparison.Ordinal)); // the capture works
        Assert.Contains(lines, l => l.Contains("127.0.0.1:1", StringComparison.Ordinal)); // the upstream failure was logged
        Assert.Equal(3, tenants.Distinct().Count()); // three keys, three hashed tenants
        foreach (var text in lines.Concat(tenants))
        {
            Assert.DoesNotContain("5ecret", text, StringComparison.Ordinal);
        }
    }
}
