using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// The HTTP client an agent talks to its collector with. With <c>Agent:Collector:CaCertificatePath</c> the
/// collector's certificate must chain to one of that file's CA certificates (custom root trust: the system
/// store is not consulted, host name checking stays on); without it, the system trust store decides. Certificate
/// validation is never turned off.
/// </summary>
public static class CollectorHttp
{
    public static HttpClient Create(CollectorClientOptions options, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            // Reconnect now and then so a collector behind a moved DNS name or a renewed certificate is picked up.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (options.CaCertificatePath.Length > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // Private CAs seldom publish revocation lists; rotate the server certificate instead (docs/security.md).
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(LoadCaCertificates(options.CaCertificatePath));
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }

        return new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>The CA certificates of a PEM file; throws with the path when it holds none.</summary>
    public static X509Certificate2Collection LoadCaCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        if (certificates.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        return certificates;
    }
}
