namespace Telemetry.Collector.Security;

/// <summary>
/// Checks, before Kestrel starts, that an https <c>Collector:Listen</c> has a certificate: Kestrel's own
/// <c>Kestrel:Certificates:Default:Path</c> (PEM or PFX) and, for PEM, <c>:KeyPath</c>. Without this check Kestrel
/// would fall back to an ASP.NET development certificate and fail with a message that names none of our keys.
/// </summary>
public static class TlsSettings
{
    public const string CertificatePathKey = "Kestrel:Certificates:Default:Path";
    public const string KeyPathKey = "Kestrel:Certificates:Default:KeyPath";

    public static bool IsHttps(string listen) =>
        listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Problems naming the keys to set; empty when the listen addresses are plain http or the files are there.</summary>
    public static IReadOnlyList<string> Validate(string listen, string? certificatePath, string? keyPath)
    {
        var errors = new List<string>();
        if (!IsHttps(listen))
        {
            return errors;
        }

        if (string.IsNullOrEmpty(certificatePath))
        {
            errors.Add($"Collector:Listen '{listen}' is https but {CertificatePathKey} is not set: give the server certificate (PEM, with {KeyPathKey} for its key, or PFX) — see docs/security.md");
            return errors;
        }

        if (!File.Exists(certificatePath))
        {
            errors.Add($"{CertificatePathKey} '{certificatePath}' does not exist");
        }

        if (!string.IsNullOrEmpty(keyPath) && !File.Exists(keyPath))
        {
            errors.Add($"{KeyPathKey} '{keyPath}' does not exist");
        }

        return errors;
    }
}
