using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Proxy;

/// <summary>Who sent a request, for attribution only: tenant, tier and a hashed end-user id.</summary>
public readonly record struct Attribution(string Tenant, string Tier, string UserHash);

/// <summary>
/// Resolves tenant (configured header, else the API key), tier (tenant map, else a header, else the
/// server's tier) and user. API keys and users are kept only as salted SHA-256 prefixes
/// (<c>key-</c>/<c>user-</c> + 16 hex digits, 64 bits: collisions need ~4 billion keys), or as the
/// configured alias of that hash: a raw key never leaves this class.
/// </summary>
public sealed class TenantResolver(ProxyOptions options, string serverTier)
{
    /// <summary>Label values from headers are cut here: a label is not a place for a paragraph.</summary>
    public const int MaxLabelLength = 64;

    public const string Anonymous = "anonymous";

    private readonly byte[] _salt = Encoding.UTF8.GetBytes(options.TenantSalt);

    public Attribution Resolve(IHeaderDictionary headers, string bodyUser)
    {
        var tenant = TenantOf(headers);
        var tier = options.TenantTiers.TryGetValue(tenant, out var mapped) ? mapped
            : options.TierHeader.Length > 0 && headers[options.TierHeader].ToString() is { Length: > 0 } t ? Clip(t)
            : serverTier;
        var user = options.UserHeader.Length > 0 && headers[options.UserHeader].ToString() is { Length: > 0 } u ? u
            : bodyUser.Length > 0 ? bodyUser
            : tenant;
        return new Attribution(tenant, tier, Hash("user-", user));
    }

    private string TenantOf(IHeaderDictionary headers)
    {
        if (options.TenantHeader.Length > 0 && headers[options.TenantHeader].ToString() is { Length: > 0 } named)
        {
            return Alias(Clip(named));
        }

        var key = ApiKeyOf(headers);
        return key.Length > 0 ? Alias(Hash("key-", key)) : Anonymous;
    }

    /// <summary>OpenAI clients send <c>Authorization: Bearer KEY</c>; some gateways <c>api-key</c> / <c>x-api-key</c>.</summary>
    private static string ApiKeyOf(IHeaderDictionary headers)
    {
        var auth = headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return auth[7..].Trim();
        }

        return headers["api-key"].ToString() is { Length: > 0 } k ? k : headers["x-api-key"].ToString();
    }

    private string Alias(string tenant) => options.TenantAliases.TryGetValue(tenant, out var alias) ? alias : tenant;

    public string Hash(string prefix, string secret)
    {
        var input = new byte[_salt.Length + 1 + Encoding.UTF8.GetByteCount(secret)];
        _salt.CopyTo(input, 0);
        input[_salt.Length] = 0; // separator: salt "ab"+key "c" ≠ salt "a"+key "bc"
        Encoding.UTF8.GetBytes(secret, input.AsSpan(_salt.Length + 1));
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return prefix + Convert.ToHexStringLower(digest[..8]);
    }

    private static string Clip(string value) => value.Length <= MaxLabelLength ? value : value[..MaxLabelLength];
}
