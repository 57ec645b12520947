using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Host;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Otlp;
using Telemetry.Hosting;

// telemetry-collector [--config FILE] [--Collector:Key=value ...]
// Receives NodeReports, keeps rolling windows, serves /metrics, /api/v1/kpis, /healthz, /readyz.
IConfigurationRoot configuration;
try
{
    configuration = HostConfiguration.Build(args, out var rest);
    if (rest.Length > 0 && rest[0] == "--version")
    {
        Console.WriteLine("telemetry-collector " + HealthProbe.Version);
        return 0;
    }

    if (rest.Length > 0 && rest[0] == "healthcheck")
    {
        return await HealthProbe.RunAsync(configuration).ConfigureAwait(false);
    }

    if (rest.Length > 0 && rest[0] is "--help" or "-h" or "help")
    {
        Console.WriteLine("""
            telemetry-collector [--config FILE] [--Collector:Key=value ...]
            telemetry-collector healthcheck [--config FILE]   exit 0 when this configuration's collector answers /healthz
            telemetry-collector --version

            Receives agent reports and exports tokens-per-joule KPIs on /metrics (Prometheus).
            Configuration: JSON file, then environment (Collector__Listen=...), then command line.
            Keys: Collector:Listen, Collector:Windows, Collector:Auth:Tokens:N:Token/:Nodes, Collector:Auth:ReadTokens:N,
                  Collector:RateLimit:ReportsPerSecond/:Burst/:MaxInFlight, Kestrel:Certificates:Default:Path/:KeyPath (https),
                  Collector:MaxReportBytes, Collector:StaleAfterIntervals, Logging:Level, Logging:Format,
                  Collector:Otlp:Endpoint/:Protocol/:IntervalSeconds/:Headers/:Timeout (OTLP push).
            Endpoints: GET / (status page), POST /v1/reports, GET /metrics, GET /api/v1/kpis, GET /api/v1/nodes,
                       GET /v1/auth/check, GET /healthz, GET /readyz.
            """);
        return 0;
    }
}
catch (Exception ex) when (ex is ConfigurationException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine("configuration error: " + ex.Message);
    return 2;
}

using var loggerFactory = Logging.Create(configuration);
var log = loggerFactory.CreateLogger("collector");
var options = new CollectorOptions();
if (!OptionsSection.TryBind(() => configuration.GetSection(CollectorOptions.SectionName).Bind(options), () => CollectorOptionsValidator.Validate(options), log))
{
    return 2;
}

var tlsErrors = Telemetry.Collector.Security.TlsSettings.Validate(options.Listen, configuration[Telemetry.Collector.Security.TlsSettings.CertificatePathKey], configuration[Telemetry.Collector.Security.TlsSettings.KeyPathKey]);
if (tlsErrors.Count > 0)
{
    foreach (var e in tlsErrors)
    {
        log.LogCritical("configuration error: {Error}", e);
    }

    return 2;
}

using var service = new CollectorService(options);
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Configuration.AddConfiguration(configuration);
builder.Logging.ClearProviders();
builder.Services.AddSingleton(loggerFactory);
builder.WebHost.UseUrls(options.Listen);
// The slim builder leaves https out; this brings it back with Kestrel's standard configuration
// (Kestrel:Certificates:Default:Path/KeyPath apply to https:// listen URLs).
builder.WebHost.UseKestrelHttpsConfiguration();
builder.WebHost.ConfigureKestrel(k =>
{
    // Ingest enforces its own, clearer limit; this backstop stops anything far larger early.
    k.Limits.MaxRequestBodySize = (long)options.MaxReportBytes * 2;
});

var app = builder.Build();
app.MapCollector(service, log);

if (service.Authorizer.IsOpen)
{
    log.LogWarning("No ingest tokens configured (Collector:Auth:Tokens): ingest is open to loopback clients only; remote agents get 403");
}

if (!service.ReadAuthorizer.IsOpen)
{
    log.LogInformation("/metrics and /api/* need a read token (Collector:Auth:ReadTokens: {Count} configured); /, /healthz and /readyz stay open", options.Auth.ReadTokens.Count);
}

try
{
    await app.StartAsync().ConfigureAwait(false);
}
catch (IOException ex)
{
    log.LogCritical("cannot listen on {Listen}: {Message}", options.Listen, ex.Message);
    return 1;
}
catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or InvalidOperationException)
{
    // A certificate file that is not a certificate, a key that does not match it, an encrypted key without a password.
    log.LogCritical("cannot start https on {Listen}: {Message} (check Kestrel:Certificates:Default:Path and :KeyPath)", options.Listen, ex.Message);
    return 1;
}

log.LogInformation("Collector listening on {Listen}; windows {Windows}", options.Listen, string.Join(",", service.Windows.Select(w => w.Label)));

// Optional OTLP push (Collector:Otlp:Endpoint); disposed after Kestrel stops, with a final push.
using var otlp = OtlpPush.Start(service, loggerFactory.CreateLogger("otlp"));
await app.WaitForShutdownAsync().ConfigureAwait(false);
return 0;
