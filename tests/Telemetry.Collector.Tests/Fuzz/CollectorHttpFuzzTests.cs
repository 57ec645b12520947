using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Fuzzing;

namespace Telemetry.Collector.Tests.Fuzz;

/// <summary>
/// A few thousand mutated bodies POSTed to a real Kestrel collector on loopback (open ingest, as a
/// single-host install runs): only 202/400/413/415, every refusal a JSON <c>{"error": reason}</c>,
/// never a 500, and the server healthy and its /metrics sane afterwards.
/// </summary>
public sealed class CollectorHttpFuzzTests : IAsyncLifetime
{
    private const int Bodies = 3_000;
    private const int Seed = 20_261_204;
    private static readonly HttpStatusCode[] Documented = [HttpStatusCode.Accepted, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType];
    private WebApplication? _app;
    private CollectorService? _service;
    private HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _service = new CollectorService(new CollectorOptions { Windows = ["1m"], MaxReportBytes = IngestFuzzer.MaxReportBytes });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapCollector(_service, NullLogger.Instance);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app!.DisposeAsync();
        _service!.Dispose();
    }

    [Fact]
    public async Task Mutated_bodies_get_only_documented_answers_and_the_server_stays_healthy()
    {
        var mutator = new InputMutator(Seed, ReportSeeds.Encoded(), protobuf: true);
        var statuses = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < Bodies; i++)
        {
            var body = mutator.Next();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            switch (mutator.Random.Next(40))
            {
                case 0: content.Headers.ContentEncoding.Add("gzip"); break; // not gzip: a corrupt stream
                case 1: content.Headers.ContentEncoding.Add("br"); break;
            }

            using var response = await _http.PostAsync(new Uri("/v1/reports", UriKind.Relative), content);
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            var where = $"seed {Seed}, body #{i} ({InputMutator.Describe(body)})";
            Assert.True(Documented.Contains(response.StatusCode), $"{(int)response.StatusCode} for {where}");
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                var text = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(text);
                Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("error").GetString()), $"no reason in '{text}' for {where}");
            }
        }

        foreach (var status in Documented)
        {
            Assert.True(statuses.GetValueOrDefault(status) > 0, $"no body answered {(int)status}: {string.Join(", ", statuses.Select(s => $"{(int)s.Key}={s.Value}"))}");
        }

        Assert.Equal("ok\n", await _http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri("/api/v1/kpis", UriKind.Relative))).StatusCode);
        Assert.Empty(await ExportSanity.CheckAsync(_service!));
    }
}
