using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Telemetry.Agent.Proxy;

/// <summary>Copies headers across the proxy, minus the hop-by-hop ones (RFC 9110 §7.6.1) that belong to one connection.</summary>
public static class UpstreamHeaders
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    public static void CopyToUpstream(IHeaderDictionary from, HttpRequestMessage to, bool bodyChanged)
    {
        foreach (var (name, values) in from)
        {
            if (HopByHop.Contains(name) || (bodyChanged && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            // One value (nearly every header): the string overload, no boxed StringValues or enumerator per header.
            var added = values.Count == 1 ? to.Headers.TryAddWithoutValidation(name, values[0]) : to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            if (!added && to.Content is { } content)
            {
                _ = values.Count == 1 ? content.Headers.TryAddWithoutValidation(name, values[0]) : content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    /// <summary>Response headers; Content-Length dropped when the body may change (the usage chunk is removed).</summary>
    public static void CopyToClient(HttpResponseMessage from, HttpResponse to, bool bodyMayChange)
    {
        to.StatusCode = (int)from.StatusCode;
        // NonValidated: the values as received, enumerated without parsing them or allocating a list per header.
        foreach (var (name, values) in from.Headers.NonValidated)
        {
            if (!HopByHop.Contains(name))
            {
                to.Headers[name] = ToStringValues(values);
            }
        }

        foreach (var (name, values) in from.Content.Headers.NonValidated)
        {
            if (!(bodyMayChange && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                to.Headers[name] = ToStringValues(values);
            }
        }
    }

    private static StringValues ToStringValues(System.Net.Http.Headers.HeaderStringValues values) =>
        values.Count == 1 ? new StringValues(values.ToString()) : new StringValues([.. values]);
}
