using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Security;

namespace Telemetry.Collector.Host;

/// <summary>
/// <c>telemetry-collector healthcheck</c>: GET /healthz of the collector this configuration describes, for
/// container HEALTHCHECKs (the runtime images carry no curl). A wildcard listen address is probed on loopback; over
/// https the probe trusts the certificate the configuration gives Kestrel (pinned), as well as the system store.
/// </summary>
internal static class HealthProbe
{
    public static string Version { get; } =
        typeof(HealthProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        var listen = configuration[$"{CollectorOptions.SectionName}:Listen"] is { Length: > 0 } l ? l : new CollectorOptions().Listen;
        if (!Uri.TryCreate(listen.Split(';')[0], UriKind.Absolute, out var uri))
        {
            Console.Error.WriteLine($"healthcheck: Collector:Listen '{listen}' is not a URL");
            return 2;
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "*" or "+" ? "127.0.0.1" : uri.Host;
        var probe = new UriBuilder(uri.Scheme, host, uri.Port, "/healthz").Uri;
        using var handler = new SocketsHttpHandler();
        if (uri.Scheme == Uri.UriSchemeHttps && configuration[TlsSettings.CertificatePathKey] is { Length: > 0 } certificatePath)
        {
            // The probe runs beside the collector, with its configuration: it trusts exactly the certificate the
            // collector serves. A private CA is not in the system store, and a wildcard address is probed on
            // 127.0.0.1, which need not be one of the certificate's names; neither should fail a health check.
            if (ServedCertificate(certificatePath, configuration) is not { } served)
            {
                Console.Error.WriteLine($"healthcheck: {TlsSettings.CertificatePathKey} '{certificatePath}' is not a readable certificate");
                return 2;
            }

            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(served));
        }

        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(probe).ConfigureAwait(false);
            Console.WriteLine($"{probe}: HTTP {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"{probe}: {ex.Message}{(ex.InnerException is { } inner ? " (" + inner.Message + ")" : "")}");
            return 1;
        }
    }

    /// <summary>The DER bytes of the certificate Kestrel serves from this configuration (PEM, or PFX with its password), or null.</summary>
    private static byte[]? ServedCertificate(string path, IConfiguration configuration)
    {
        try
        {
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                using var pem = X509Certificate2.CreateFromPem(text);
                return pem.RawData;
            }

            using var pfx = X509CertificateLoader.LoadPkcs12FromFile(path, configuration["Kestrel:Certificates:Default:Password"]);
            return pfx.RawData;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }
}
