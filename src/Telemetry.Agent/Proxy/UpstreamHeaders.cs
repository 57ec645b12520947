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

            if (!to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                to.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    /// <summary>Response headers; Content-Length dropped when the body may change (the usage chunk is removed).</summary>
    public static void CopyToClient(HttpResponseMessage from, HttpResponse to, bool bodyMayChange)
    {
        to.StatusCode = (int)from.StatusCode;
        foreach (var (name, values) in from.Headers)
        {
            if (!HopByHop.Contains(name))
            {
                to.Headers[name] = new StringValues([.. values]);
            }
        }

        foreach (var (name, values) in from.Content.Headers)
        {
            if (!(bodyMayChange && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                to.Headers[name] = new StringValues([.. values]);
            }
        }
    }
}
