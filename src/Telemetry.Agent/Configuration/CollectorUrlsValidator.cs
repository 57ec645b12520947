using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Configuration;

/// <summary>
/// Checks where reports go: either <c>Agent:Collector:Url</c> (one collector) or <c>Agent:Collector:Urls:N</c>
/// (shards), never two different answers at once; every URL http(s); no shard listed twice (it would get a
/// double share of the nodes, and agents listing it once would disagree with this one).
/// </summary>
public static class CollectorUrlsValidator
{
    public static void Validate(CollectorClientOptions c, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(errors);
        if (c.Url.Length > 0 && !IsHttp(c.Url))
        {
            errors.Add($"Agent:Collector:Url '{c.Url}' is not an http(s) URL, e.g. http://collector:9464");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < c.Urls.Count; i++)
        {
            if (!IsHttp(c.Urls[i]))
            {
                errors.Add($"Agent:Collector:Urls:{i} '{c.Urls[i]}' is not an http(s) URL, e.g. http://collector-{i}:9464");
            }
            else if (!seen.TryAdd(CollectorAssignment.Normalize(c.Urls[i]), i))
            {
                errors.Add($"Agent:Collector:Urls:{i} '{c.Urls[i]}' repeats Agent:Collector:Urls:{seen[CollectorAssignment.Normalize(c.Urls[i])]}: list each collector shard once");
            }
        }

        if (c.Url.Length > 0 && c.Urls.Count > 0 && IsHttp(c.Url)
            && !(c.Urls.Count == 1 && IsHttp(c.Urls[0]) && CollectorAssignment.Normalize(c.Urls[0]) == CollectorAssignment.Normalize(c.Url)))
        {
            errors.Add($"Agent:Collector:Url and Agent:Collector:Urls are both set: use Url for one collector or Urls:N for shards, not both (Url '{c.Url}', Urls has {c.Urls.Count})");
        }
    }

    private static bool IsHttp(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && u.Host.Length > 0;
}
