using System.Security.Cryptography;
using System.Text;

namespace Telemetry.Collector.Security;

/// <summary>
/// Optional bearer tokens for reading <c>/metrics</c> and <c>/api/*</c> (<c>Collector:Auth:ReadTokens</c>). Kept
/// only as SHA-256 digests and compared in constant time against every token, like ingest tokens. With none
/// configured reads are open, as Prometheus exporters usually are. Not an ingest credential, nor the reverse.
/// </summary>
public sealed class ReadAuthorizer
{
    private readonly byte[][] _digests;

    public ReadAuthorizer(IEnumerable<string> tokens)
    {
        _digests = [.. tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
    }

    public bool IsOpen => _digests.Length == 0;

    /// <summary>Whether an <c>Authorization</c> header value may read; always true when no read tokens are configured.</summary>
    public bool Allows(string? authorizationHeader)
    {
        if (IsOpen)
        {
            return true;
        }

        const string Scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = authorizationHeader.AsSpan(Scheme.Length).Trim();
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        // Tokens are short (a header line); hash the UTF-8 on the stack rather than allocate per scrape.
        var utf8 = token.Length <= 512 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(token.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(token, utf8)], digest);
        var match = false;
        foreach (var known in _digests)
        {
            // No early exit: the time taken does not tell whether, or which, token matched.
            match |= CryptographicOperations.FixedTimeEquals(digest, known);
        }

        return match;
    }
}
