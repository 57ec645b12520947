using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A private CA and a server certificate for 127.0.0.1/localhost signed by it, written as PEM files (the
/// layout docs/security.md's openssl commands produce): <c>ca.pem</c>, <c>server.pem</c>, <c>server.key</c>.
/// Valid for a day around now; made fresh per test, nothing leaves the temporary directory.
/// </summary>
internal sealed record TestPki(string CaPath, string CertificatePath, string KeyPath)
{
    public static TestPki Create(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Inference Telemetry test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number (RFC 5280 §4.1.2.2)
        using var server = request.Create(ca, now.AddHours(-1), now.AddHours(12), serial);

        var pki = new TestPki(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        File.WriteAllText(pki.CaPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(pki.CertificatePath, server.ExportCertificatePem() + "\n");
        File.WriteAllText(pki.KeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return pki;
    }
}
