using System.Net;
using System.Security.Cryptography;
using System.Text;
using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// Decides whether a bearer token may report for a node. Tokens are kept only as SHA-256 digests
/// and compared in constant time, so neither timing nor a memory dump reveals them. With no tokens
/// configured, ingest is open to loopback clients only (DESIGN §6).
/// </summary>
public sealed class IngestAuthorizer
{
    private readonly (byte[] Digest, HashSet<string> Nodes, bool AnyNode)[] _tokens;

    public IngestAuthorizer(AuthOptions options)
    {
        _tokens = [.. options.Tokens.Select(t => (
            SHA256.HashData(Encoding.UTF8.GetBytes(t.Token)),
            new HashSet<string>(t.Nodes, StringComparer.Ordinal),
            t.Nodes.Contains("*")))];
    }

    public bool IsOpen => _tokens.Length == 0;

    /// <summary>
    /// Checks the caller before its body is read: a known bearer token (or, with open ingest, a
    /// loopback client). Returns the caller's grant, or the refusal (401/403) with a reason safe to
    /// return and log.
    /// </summary>
    public (IngestGrant? Grant, (RejectReason Reason, string Message)? Refusal) Authenticate(string? authorizationHeader, IPAddress? remote)
    {
        if (IsOpen)
        {
            return remote is not null && IPAddress.IsLoopback(remote)
                ? (IngestGrant.AnyNode, null)
                : (null, (RejectReason.Forbidden, "ingest is open only to loopback clients: configure Collector:Auth:Tokens to accept remote agents"));
        }

        const string Scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, (RejectReason.Unauthorized, "missing bearer token (Authorization: Bearer <token>)"));
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader.AsSpan(Scheme.Length).Trim().ToString()), digest);
        var match = -1;
        for (var i = 0; i < _tokens.Length; i++)
        {
            // Compare against every token, so the time taken does not tell which one (if any) matched.
            if (CryptographicOperations.FixedTimeEquals(digest, _tokens[i].Digest))
            {
                match = i;
            }
        }

        if (match < 0)
        {
            return (null, (RejectReason.Unauthorized, "unknown bearer token"));
        }

        var (_, nodes, any) = _tokens[match];
        return (any ? IngestGrant.AnyNode : new IngestGrant(nodes), null);
    }

    /// <summary>Authenticates and checks the node in one step (for callers that already have the report).</summary>
    public (RejectReason Reason, string Message)? Authorize(string? authorizationHeader, string node, IPAddress? remote)
    {
        var (grant, refusal) = Authenticate(authorizationHeader, remote);
        return refusal ?? grant!.Check(node);
    }
}

/// <summary>The node ids an authenticated caller may report for.</summary>
public sealed class IngestGrant
{
    private readonly HashSet<string>? _nodes;

    internal IngestGrant(HashSet<string>? nodes) => _nodes = nodes;

    internal static IngestGrant AnyNode { get; } = new(null);

    /// <summary>Null when the caller may report for <paramref name="node"/>, else a 403 refusal.</summary>
    public (RejectReason Reason, string Message)? Check(string node) =>
        _nodes is null || _nodes.Contains(node) ? null : (RejectReason.Forbidden, $"this token may not report for node '{node}'");
}
